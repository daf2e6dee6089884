"""Paper sets in the database: stored, pinned to item versions, previewed, printed, from the API and CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from examengine.auth.models import User
from examengine.bank import service as bank_service
from examengine.bank.bankfile import check_program, find_programs
from examengine.db import db
from examengine.errors import ValidationError
from examengine.papers import service
from examengine.papers.blueprintfile import blueprint_files, check_blueprint_files
from examengine.papers.models import Paper, PaperItem
from examengine.papers.options import to_original

CEM = Path(__file__).resolve().parents[2] / "question_banks" / "carbon_emission_manager"


@pytest.fixture
def cem_bank(app):
    with app.app_context():
        (checked,) = [check_program(pf) for pf in find_programs(CEM)]
        program = bank_service.load_syllabus(checked.syllabus)
        bank_service.load_items(program, [(f"{e.path.name}:{e.line}", e.data) for e in checked.entries])
        entries, problems = check_blueprint_files(blueprint_files(CEM), service.program_scope(program),
                                                  service.program_item_codes(program))
        assert not problems
        service.load_blueprints(program, entries)
        db.session.remove()
    return "carbon_emission_manager"


def actor(role: str) -> User:
    return db.session.scalar(select(User).where(User.role == role))


def test_a_sitting_of_unique_papers_is_stored_under_the_cap(app, users, cem_bank):
    with app.app_context():
        r = service.generate(actor("staff"), "cem-junior", 300, seed=11)
        papers = db.session.scalars(select(Paper).where(Paper.paper_set_id == r.paper_set.id)).all()
        assert len(papers) == 300 and {p.number for p in papers} == set(range(1, 301))
        per_item = service.exposure_counts(r.paper_set.id)
        assert max(per_item.values()) <= 0.6 * 300
        assert r.stats["max_exposure"] <= 0.6 and r.stats["score_sd"] <= 1.0
        lo, hi = r.paper_set.spec["difficulty"]["expected_score"]
        assert all(lo <= float(p.expected_score) <= hi for p in papers)
        sets = {frozenset(pi.item_id for pi in p.items) for p in papers}
        assert len(sets) == 300  # a different paper for every candidate
        counts = db.session.execute(select(PaperItem.section, func.count()).join(Paper)
                                    .where(Paper.paper_set_id == r.paper_set.id).group_by(PaperItem.section)).all()
        assert dict(counts) == {0: 30 * 300, 1: 10 * 300, 2: 5 * 300}


def test_a_paper_keeps_the_item_version_it_pinned(app, users, cem_bank):
    with app.app_context():
        staff = actor("staff")
        pid = service.paper_ids(service.generate(staff, "cem-junior", 1, seed=5).paper_set.id)[0]
        before = service.paper_view(staff, pid)
        first = before["sections"][0]["items"][0]
        paper_item = db.session.scalar(select(PaperItem).where(PaperItem.paper_id == pid, PaperItem.position == 1))
        bank_service.update_item(actor("admin"), paper_item.item_id, {"stem": "改写后的题干"})
        after = service.paper_view(staff, pid)
        assert after["sections"][0]["items"][0]["stem"] == first["stem"] != "改写后的题干"


def test_candidate_view_has_no_keys_and_staff_keys_follow_the_shown_order(app, users, cem_bank):
    with app.app_context():
        staff = actor("staff")
        pid = service.paper_ids(service.generate(staff, "cem-intermediate", 1, seed=9).paper_set.id)[0]
        plain = service.paper_view(staff, pid)
        text = json.dumps(plain, ensure_ascii=False, default=str)
        assert '"key"' not in text and "rubric" not in text and "references" not in text
        keyed = service.paper_view(staff, pid, keys=True)
        positions = [i["position"] for s in keyed["sections"] for i in s["items"]]
        assert positions == list(range(1, 46))
        shuffled = 0
        for item in keyed["sections"][0]["items"] + keyed["sections"][1]["items"]:
            pi = db.session.scalar(select(PaperItem).where(PaperItem.paper_id == pid,
                                                           PaperItem.position == item["position"]))
            shown_key = list(item["key"]) if len(item["key"]) > 1 else item["key"]
            assert to_original(pi.option_order, shown_key) == pi.item_version.key
            shuffled += pi.option_order != sorted(pi.option_order)
        assert shuffled > 10
        assert all(i["rubric"] for i in keyed["sections"][2]["items"])


def test_fixed_forms_limit_overlap_and_are_shuffled_per_candidate(app, users, cem_bank):
    with app.app_context():
        # five forms: the cap (0.6) lets an item be on three of them, i.e. seen by 60 % of candidates
        r = service.generate(actor("staff"), "cem-senior", 40, seed=3, mode="fixed", forms=5, max_overlap=0.5)
        forms = db.session.scalars(select(Paper).where(Paper.paper_set_id == r.paper_set.id, Paper.is_form)).all()
        assert len(forms) == 5
        items = {f.id: {pi.item_id for pi in f.items} for f in forms}
        ids = list(items)
        for a in range(5):
            for b in range(a + 1, 5):
                assert len(items[ids[a]] & items[ids[b]]) <= 0.5 * 45
        papers = db.session.scalars(select(Paper).where(Paper.paper_set_id == r.paper_set.id, ~Paper.is_form)).all()
        assert len(papers) == 40
        per_form = {fid: [p for p in papers if p.form_id == fid] for fid in ids}
        assert all(len(v) == 8 for v in per_form.values())  # balanced
        for fid, given in per_form.items():
            assert all({pi.item_id for pi in p.items} == items[fid] for p in given)
            orders = {tuple(pi.item_id for pi in p.items) for p in given}
            assert len(orders) > 1  # each candidate's copy in its own order


def test_infeasible_blueprint_is_refused_with_the_cell_and_nothing_is_stored(app, users, demo_bank):
    with app.app_context():
        bank_service.change_status(actor("admin"), db.session.scalar(
            select(bank_service.Item.id).where(bank_service.Item.code == "pub-001")), "retired")
        with pytest.raises(ValidationError) as exc:
            service.generate(actor("staff"), "demo-l4", 2, seed=1)
        assert exc.value.code == "BLUEPRINT_INFEASIBLE"
        assert any(s["where"] == "single × pub" and s["needed"] == 1 and s["available"] == 0
                   for s in exc.value.extra["shortfalls"])
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Paper)) == 0


def test_api_generate_preview_and_pdf(client, auth, users, demo_bank):
    r = client.post("/api/v1/blueprints/demo-l4/papers", json={"count": 2, "seed": 4}, headers=auth("staff"))
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert len(body["paper_ids"]) == 2 and body["stats"]["max_exposure"] <= 1.0
    pid = body["paper_ids"][0]
    view = client.get(f"/api/v1/papers/{pid}", headers=auth("staff")).get_json()
    assert [s["type"] for s in view["sections"]] == ["truefalse", "single", "multi", "short"]
    assert "key" not in view["sections"][1]["items"][0]
    keyed = client.get(f"/api/v1/papers/{pid}?keys=true", headers=auth("staff")).get_json()
    assert keyed["sections"][0]["items"][0]["key"] in ("对", "错")
    pdf = client.get(f"/api/v1/papers/{pid}/pdf?kind=paper", headers=auth("staff"))
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert view["sections"][1]["items"][0]["stem"][:8] in text
    feas = client.get("/api/v1/blueprints/demo-l4/feasibility?planned=10&trial=10", headers=auth("item_writer"))
    assert feas.get_json()["feasible"] is True
    bad = client.post("/api/v1/blueprints/demo-l4/papers", json={"count": 0}, headers=auth("staff"))
    assert bad.status_code == 422


def test_cli_check_and_generate(app, users, cem_bank):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["papers", "check", "cem-junior", "--planned", "500", "--trial", "50", "--json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert report["feasible"] and len(report["cells"]) == 21
    out = runner.invoke(args=["papers", "generate", "cem-junior", "--count", "20", "--seed", "2", "--json"])
    assert out.exit_code == 0, out.output
    stats = json.loads(out.output)
    assert stats["papers"] == 20 and stats["seed"] == 2
    out = runner.invoke(args=["papers", "check", "no-such-blueprint"])
    assert out.exit_code == 1 and "BLUEPRINT_NOT_FOUND" in out.output
