"""Agreement metrics against hand-computed cases, and the evaluation command on a small file."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from examengine.scoring.agreement import agreement, pearson, qwk, smd, to_scale
from examengine.scoring.eval_cli import eval_command


def test_qwk_hand_computed():
    assert qwk([0, 1, 2], [0, 1, 2]) == 1.0
    # observed disagreements cost (1/4) twice against an expectation of 2.5/4 of weighted mass: 1 - 0.5/2.5 * ...
    a, b = [0, 1, 2, 3, 4], [0, 2, 2, 3, 3]
    # hand computation: O weights sum = (1/16)*2 = 0.125; E weights sum = sum_ij E_ij w_ij = 0.9375 - see below
    obs = 2 * (1 / 16)
    rows = [1, 1, 1, 1, 1]
    cols = [1, 0, 2, 2, 0]
    exp = sum(rows[i] * cols[j] / 5 * (i - j) ** 2 / 16 for i in range(5) for j in range(5))
    assert qwk(a, b) == pytest.approx(1 - obs / exp)
    assert qwk([0, 0, 1, 1], [1, 1, 0, 0]) < 0


def test_agreement_figures():
    a = agreement([5, 6, 7, 8], [5, 7, 9, 8])
    assert a.n == 4 and a.exact == 0.5 and a.adjacent == 0.75
    assert a.mean_adjustment == pytest.approx(0.75)
    assert a.smd == pytest.approx(smd([5, 6, 7, 8], [5, 7, 9, 8]))
    assert a.smd > 0 and a.r == pytest.approx(pearson([5, 6, 7, 8], [5, 7, 9, 8]))
    assert to_scale([0.45, 0.5, 1.0], 1.0).tolist() == [5, 5, 10]  # 4.5 rounds half up
    assert to_scale([3, 7.5], 10).tolist() == [3, 8]


def _write(path, rows):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")


def _rows():
    ref = "顺序表存储空间连续，支持随机访问；链表存储空间不连续，不支持随机访问，插入删除方便。"
    answers = [("顺序表空间连续可随机访问，链表不连续不能随机访问但插入删除方便", 10), ("顺序表连续，链表不连续", 6),
               ("链表插入删除方便", 4), ("不会", 0), ("顺序表可以随机访问", 4), ("都差不多", 1)] * 2
    out = [{"q_id": "T-1", "question": "简述顺序表和链表的特点", "references": [ref], "answer": a, "score": s,
            "max_score": 10} for a, s in answers]
    out += [{"q_id": "U-1", "question": "配送按专业化程度分为哪些？", "references": ["综合配送、专业配送"], "answer": a,
             "score": s, "max_score": 1} for a, s in [("综合配送和专业配送", 1), ("专业配送", 0.5), ("不知道", 0)]]
    return out


def test_eval_command_prints_groups_and_the_exact_last_line(tmp_path):
    path = tmp_path / "set.jsonl"
    _write(path, _rows())
    out = CliRunner().invoke(eval_command, [str(path), "--mode", "cold"])
    assert out.exit_code == 0, out.output
    lines = out.output.strip().splitlines()
    assert any(line.startswith("question T-1 ") for line in lines)
    assert any(line.startswith("group T ") for line in lines) and any(line.startswith("group U ") for line in lines)
    last = lines[-1].split()
    assert last[0] == "overall" and [p.split("=")[0] for p in last[1:]] == ["qwk", "r", "exact", "adjacent", "smd", "n"]
    assert last[-1] == "n=15"
    warm = CliRunner().invoke(eval_command, [str(path), "--mode", "warm", "--warm-fraction", "0.5", "--json"])
    assert warm.exit_code == 0, warm.output
    body = json.loads(warm.output[: warm.output.rindex("overall qwk")])
    assert body["groups"]["overall"]["n"] < 15 and set(body["questions"]) == {"T-1", "U-1"}


@pytest.mark.parametrize(("row", "field"), [
    ({"score": 11}, "score"),
    ({"references": "not a list"}, "references"),
    ({"answer": None, "score": None}, "score"),
])
def test_eval_names_the_bad_line_and_field(tmp_path, row, field):
    rows = _rows()
    rows[3] = {**rows[3], **row}
    path = tmp_path / "bad.jsonl"
    _write(path, rows)
    out = CliRunner().invoke(eval_command, [str(path)])
    assert out.exit_code != 0
    assert "EVAL_FILE_INVALID" in out.output and "line 4" in out.output and field in out.output


def test_eval_refuses_a_missing_field(tmp_path):
    rows = _rows()
    del rows[0]["max_score"]
    path = tmp_path / "bad.jsonl"
    _write(path, rows)
    out = CliRunner().invoke(eval_command, [str(path)])
    assert out.exit_code != 0 and "line 1" in out.output and "max_score" in out.output
