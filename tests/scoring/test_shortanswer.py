"""The short-answer scorer: normalisation, rubric evidence with spans in the typed text, negation, cold
proposals, learning from confirmations, and the shape of a suggestion."""

from __future__ import annotations

import pytest

from examengine.scoring import textmatch
from examengine.scoring.shortanswer import ItemSpec, Scorer, ScoringPoint, round_to_step, verdict

CONTENT = {
    "stem": "简述\"碳达峰\"与\"碳中和\"的含义，并说明我国提出的\"双碳\"目标。",
    "references": ["碳达峰是指二氧化碳排放量达到历史最高值后经历平台期进入持续下降的过程。碳中和是指人为排放的二氧化碳"
                   "通过植树造林、节能减排等方式全部抵消，实现净零排放。我国力争2030年前达到峰值，2060年前实现碳中和。"],
    "rubric": [
        {"point": "碳达峰是二氧化碳排放量达到峰值后转为下降", "weight": 3, "synonyms": ["排放由增转降的拐点"]},
        {"point": "碳中和是人为排放与清除相抵实现净零", "weight": 3, "synonyms": ["净零排放", "正负抵消"]},
        {"point": "2030年前实现碳达峰", "weight": 2, "synonyms": ["2030年前达到峰值"]},
        {"point": "2060年前实现碳中和", "weight": 2, "synonyms": []},
    ],
    "points": 10,
}
GOOD = "碳达峰：二氧化碳排放量达到峰值之后转为下降。碳中和：人为排放和吸收相互抵消，实现净零排放。目标是2030年前碳达峰、2060年前实现碳中和。"
PARTIAL = "碳达峰就是排放达到最高点，以后开始下降。"
OFF = "不知道"


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer(ItemSpec.from_content(CONTENT))


def test_normalise_folds_widths_and_keeps_the_way_back():
    t = textmatch.normalise("ＣＯ２ 排放，　达到峰值。")
    assert t.norm == "co2排放达到峰值"
    start, end = t.span(t.norm.index("排放"), t.norm.index("排放") + 2)
    assert t.original[start:end] == "排放"


def test_locate_finds_a_phrase_said_in_other_order_of_characters():
    exact = textmatch.locate("净零排放", "最终实现净零排放")
    assert exact.coverage == 1.0 and (exact.start, exact.end) == (4, 8)
    fuzzy = textmatch.locate("温室气体吸收长波辐射", "长波辐射被温室气体吸收")
    assert 0.6 < fuzzy.coverage < 1.0
    assert textmatch.locate("净零排放", "与此无关的句子").coverage == 0.0


@pytest.mark.parametrize(("answer", "negated"), [
    ("企业未经核查即可提交报告", True),
    ("碳中和不需要考虑碳汇", True),
    ("企业经核查后提交报告", False),
    ("不仅要核查，还要公开", False),
])
def test_negation_just_before_a_phrase(answer, negated):
    a = textmatch.norm(answer)
    phrase = "核查" if "核查" in answer else "考虑碳汇"
    assert textmatch.negated(a, a.index(phrase), phrase) is negated


def test_a_good_answer_scores_high_with_evidence_spans_in_the_typed_text(scorer):
    s = scorer.score(GOOD)
    assert s.points >= 7 and s.points == int(s.points)  # whole points on a 10-point item
    assert len(s.matched) >= 3 and not s.contradicted
    for ev in s.matched:
        assert GOOD[ev.start:ev.end] == ev.text and ev.text
    assert s.method == "rubric" and 0 < s.similarity <= 1


def test_answers_are_ordered_by_what_they_say(scorer):
    good, partial, off = (scorer.score(a).points for a in (GOOD, PARTIAL, OFF))
    assert good > partial > off
    assert scorer.score("").points == 0 and scorer.score("").confident


def test_a_negated_point_is_contradicted_not_awarded(scorer):
    plain = scorer.score("我国承诺2060年前实现碳中和。")
    denied = scorer.score("我国并非要在2060年前实现碳中和。")
    assert any(e.point == "2060年前实现碳中和" for e in plain.matched)
    assert any(e.point == "2060年前实现碳中和" for e in denied.contradicted)
    assert not any(e.point == "2060年前实现碳中和" for e in denied.matched)
    assert denied.points <= plain.points


def test_cold_start_proposes_points_from_the_references():
    spec = ItemSpec.from_content({**CONTENT, "rubric": None})
    s = Scorer(spec)
    proposed = s.proposed_points()
    assert proposed and abs(sum(p.weight for p in proposed) - 10) < 0.2
    assert all(p.text not in textmatch.norm(CONTENT["stem"]) for p in proposed)
    good, off = s.score(GOOD), s.score(OFF)
    assert good.method == "proposed" and good.points > off.points
    assert good.missing or good.matched


def test_learning_moves_suggestions_towards_the_graders():
    """A grader who consistently gives full marks to terse answers teaches the scorer to do the same."""
    spec = ItemSpec("栈的特点是什么？", ("栈是一种后进先出的线性表，只能在栈顶进行插入和删除操作。",), (), 10.0, 1.0)
    answers = [f"后进先出{'，' * (i % 3)}栈顶操作{i % 4}" for i in range(20)] + [f"不会{i}" for i in range(10)]
    scores = [10.0] * 20 + [0.0] * 10
    s = Scorer(spec)
    before = s.score("后进先出，栈顶操作").points
    s.fit(answers, scores)
    after = s.score("后进先出，栈顶操作")
    assert s.n_fitted == 30 and after.method == "learned"
    assert after.points >= before and after.points >= 8
    assert s.score("不会写").points <= 2


def test_fit_checks_its_input():
    s = Scorer(ItemSpec.from_content(CONTENT))
    with pytest.raises(ValueError):
        s.fit(["a"], [1.0, 2.0])
    s.fit(["a", "b"], [1.0, 2.0])  # too few to learn from: stays cold
    assert s.n_fitted == 0 and s.score(GOOD).method == "rubric"


def test_suggestions_respect_scale_and_step():
    spec = ItemSpec("问", ("参考答案的内容比较长一些",), (ScoringPoint("参考答案", 1.5),), 3.0, 0.5)
    for a in ("参考答案", "内容", "", "参考答案的内容比较长一些"):
        p = Scorer(spec).score(a).points
        assert 0 <= p <= 3 and (p * 2).is_integer()
    assert round_to_step(7.5, 1, 10) == 8 and round_to_step(11, 1, 10) == 10 and round_to_step(-1, 0.5, 3) == 0


@pytest.mark.parametrize(("text", "value"), [("错误。栈底元素可以删除", -1), ("答：不正确", -1), ("正确", 1),
                                             ("这是对的", 1), ("对于栈来说可以删除", 0), ("栈底元素可以删除", 0)])
def test_verdict_of_a_judgement_answer(text, value):
    assert verdict(textmatch.norm(text)) == value


def test_judgement_questions_punish_the_wrong_verdict():
    spec = ItemSpec("请判断以下叙述是否正确，并做出解释：栈底元素是不能删除的元素",
                    ("错误。栈中元素可以从栈顶的元素先出栈然后一个一个删除，直到最后删除栈底元素。",), (), 10.0, 1.0)
    s = Scorer(spec)
    right = s.score("错误，栈顶元素依次出栈后，栈底元素也可以删除。").points
    wrong = s.score("正确，栈底元素不能删除。").points
    assert right > wrong


def test_as_dict_is_plain_data(scorer):
    d = scorer.score(GOOD).as_dict()
    assert isinstance(d["matched"], list | tuple) and {"points", "confidence", "confident", "similarity"} <= set(d)
