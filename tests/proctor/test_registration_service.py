"""Registration batches, training hours and enrolment through the service, the CLI and the API."""

from __future__ import annotations

import io
import zipfile

from click.testing import CliRunner
from sqlalchemy import func, select

from examengine.auth.models import User
from examengine.db import db
from examengine.proctor import registration, service
from examengine.proctor.models import Candidate, CandidatePhoto, Enrolment, TrainingRecord
from tests.proctor.conftest import ADMIN
from tests.proctor.test_registration import ID_A, ID_B, ID_C, make_id, person, photos3, rows3, xlsx


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_valid_batch_registers_logins_photos_and_enrolments(app, rules):
    with app.app_context():
        r = service.register_batch(ADMIN, xlsx(rows3()), photos3(), batch_label="batch.xlsx",
                                   training_base="T01000001", enrol_in=("demo", "L4", "accounting"))
        assert r.written and len(r.created) == 3 and r.enrolled == 3 and set(r.passwords) == {ID_A, ID_B, ID_C}
        cand = db.session.scalar(select(Candidate).where(Candidate.id_number == ID_B))
        assert (cand.name, cand.gender, cand.education, cand.industry) == ("李四", "F", "associate", "其它")
        assert db.session.get(User, cand.user_id).role == "candidate"
        assert db.session.get(CandidatePhoto, cand.id).format == "PNG"
        assert _count(Enrolment) == 3
        # the same sheet again updates, creates nobody and shows no new passwords
        again = service.register_batch(ADMIN, xlsx(rows3()), photos3())
        assert again.written and len(again.updated) == 3 and not again.created and not again.passwords
        assert _count(Candidate) == 3


def test_one_bad_row_writes_nothing_unless_told_to_skip_it(app, rules):
    rows = rows3()
    rows[1] = person("李四", ID_B[:-1] + ("0" if ID_B[-1] != "0" else "1"))  # a mistyped check digit
    with app.app_context():
        r = service.register_batch(ADMIN, xlsx(rows), photos3())
        assert not r.written and _count(Candidate) == 0 and _count(User) == 0
        assert [(p.code, p.row) for p in r.batch.problems if p.code == "REG_ID_CHECK_DIGIT"] == [("REG_ID_CHECK_DIGIT",
                                                                                                 3)]
        skipped = service.register_batch(ADMIN, xlsx(rows), photos3(), skip_invalid=True)
        assert skipped.written and len(skipped.created) == 2 and _count(Candidate) == 2


def test_training_hours_from_csv_replace_earlier_hours_and_unknown_candidates_are_named(app, rules):
    with app.app_context():
        service.register_batch(ADMIN, xlsx(rows3()), photos3())
        text = f"身份证号,课时,项目,级别\n{ID_A},40,demo,L4\n{ID_B},12,demo,L4\n"
        records, problems = registration.read_training_csv(text)
        assert not problems
        assert service.import_training(ADMIN, records, "t.csv").written == 2
        records, _ = registration.read_training_csv(f"身份证号,课时,项目,级别\n{ID_A},80,demo,L4\n")
        service.import_training(ADMIN, records, "t2.csv")
        hours = db.session.scalars(select(TrainingRecord.hours).join(Candidate).where(Candidate.id_number == ID_A))
        assert [float(h) for h in hours] == [80.0]
        unknown = make_id("11010519900307999")
        records, problems = registration.read_training_csv(f"身份证号,课时,项目,级别\n{ID_C},10,demo,L4\n"
                                                           f"{unknown},10,demo,L4\n")
        assert not problems
        result = service.import_training(ADMIN, records, "t3.csv")
        assert result.written == 0 and [(p.code, p.row) for p in result.problems] == [
            ("TRAINING_UNKNOWN_CANDIDATE", 3)]
        assert _count(TrainingRecord) == 2  # nothing of the bad file was written


def test_the_api_takes_a_sheet_and_a_zip_and_reports_problems_by_row(client, auth, rules):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in photos3().items():
            z.writestr(f"photos/{name}", data)
    rows = rows3()
    rows[2]["手机"] = "12345"
    r = client.post("/api/v1/registrations", headers=auth("staff"), content_type="multipart/form-data",
                    data={"sheet": (io.BytesIO(xlsx(rows)), "b.xlsx"), "photos": (io.BytesIO(buf.getvalue()), "p.zip")})
    assert r.status_code == 422
    assert [(p["code"], p["row"], p["field"]) for p in r.get_json()["problems"]] == [("REG_PHONE", 4, "手机")]
    rows[2]["手机"] = "13912345678"
    r = client.post("/api/v1/registrations", headers=auth("staff"), content_type="multipart/form-data",
                    data={"sheet": (io.BytesIO(xlsx(rows)), "b.xlsx"), "photos": (io.BytesIO(buf.getvalue()), "p.zip"),
                          "program": "demo", "level": "L4", "work_type": "accounting"})
    assert r.status_code == 201 and r.get_json()["created"] == 3 and r.get_json()["enrolled"] == 3


def test_enrolment_refusals_name_every_failed_rule(client, auth, app, rules):
    rows = [person("赵六", ID_A, 学历="初中", 工作年限=1)]
    with app.app_context():
        service.register_batch(ADMIN, xlsx(rows), None, require_photos=False)
    r = client.post("/api/v1/enrolments", headers=auth("staff"),
                    json={"id_number": ID_A, "program": "demo", "level": "L4", "work_type": "accounting"})
    assert r.status_code == 422 and r.get_json()["code"] == "NOT_ELIGIBLE"
    assert "ELIG_EDUCATION_OR_EXPERIENCE" in r.get_json()["errors"]
    e = client.get(f"/api/v1/candidates/{ID_A}/eligibility?program=demo&level=L4&work_type=accounting",
                   headers=auth("staff")).get_json()
    assert not e["eligible"] and {f["rule"] for f in e["failures"]} >= {"ELIG_EDUCATION_OR_EXPERIENCE",
                                                                       "ELIG_TRAINING_HOURS", "ELIG_NOT_ENROLLED"}


def test_the_cli_registers_from_a_folder_and_writes_initial_passwords(app, rules, tmp_path):
    from examengine.proctor.cli import proctor_cli

    folder = tmp_path / "photos"
    folder.mkdir()
    for name, data in photos3().items():
        (folder / name).write_bytes(data)
    sheet = tmp_path / "batch.xlsx"
    sheet.write_bytes(xlsx(rows3()))
    out = tmp_path / "passwords.csv"
    runner = CliRunner()
    with app.app_context():
        r = runner.invoke(proctor_cli, ["register", str(sheet), "--photos", str(folder), "--passwords", str(out)])
        assert r.exit_code == 0, r.output
        assert "3 registered" in r.output and ID_A in out.read_text(encoding="utf-8-sig")
        bad = tmp_path / "bad.xlsx"
        bad.write_bytes(xlsx([person("孙七", "110105199003071230")]))
        r = runner.invoke(proctor_cli, ["register", str(bad), "--no-photos"])
        assert r.exit_code == 1 and "REG_ID_CHECK_DIGIT" in r.output and "nothing was" in r.output
