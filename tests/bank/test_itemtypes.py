"""The item-type registry: validation, key and response normalisation, scoring, candidate views (pure)."""

import pytest

from examengine.bank.content import ModuleInfo, ProgramInfo, check_item
from examengine.bank.itemtypes import REGISTRY, get_type

PROGRAM = ProgramInfo("demo", frozenset({"L4", "L3"}), {
    "pub": ModuleInfo("pub", ("L4", "L3"), frozenset({"pub.k01"})),
    "con": ModuleInfo("con", ("L3",), frozenset({"con.k01"})),
})


def item(**kw):
    base = {"type": "single", "module": "pub", "stem": "题干", "options": ["甲", "乙", "丙", "丁"], "key": "B",
            "explanation": "解析", "points": 1, "difficulty": 2, "knowledge_points": ["pub.k01"], "source": "来源"}
    base.update(kw)
    return base


def codes(data):
    _, issues = check_item(data, PROGRAM)
    return {(i.field, i.code) for i in issues.items}


def test_registry_has_the_four_types():
    assert set(REGISTRY) == {"single", "truefalse", "multi", "short"}


def test_valid_items_of_every_type_pass():
    assert codes(item()) == set()
    assert codes(item(type="truefalse", options=None, key="错")) == set()
    assert codes(item(type="multi", key="A、C", points=2)) == set()
    assert codes(item(type="short", options=None, key=None, points=4, references=["参考"],
                      rubric=[{"point": "要点一", "weight": 3, "synonyms": ["说法"]},
                              {"point": "要点二", "weight": 1}])) == set()


@pytest.mark.parametrize(("data", "expected"), [
    (item(key=["A", "B"]), ("key", "KEY_NOT_SINGLE")),
    (item(key=None), ("key", "KEY_NOT_SINGLE")),
    (item(key="E"), ("key", "KEY_NOT_AN_OPTION")),
    (item(type="multi", key="A"), ("key", "KEY_TOO_FEW")),
    (item(type="multi", key="AF"), ("key", "KEY_NOT_AN_OPTION")),
    (item(type="truefalse", options=["对", "错"], key=True), ("options", "OPTIONS_NOT_ALLOWED")),
    (item(type="truefalse", options=None, key="也许"), ("key", "KEY_NOT_BOOLEAN")),
    (item(stem="   "), ("stem", "STEM_EMPTY")),
    (item(module="nope"), ("module", "MODULE_UNKNOWN")),
    (item(points=-1), ("points", "POINTS_NOT_POSITIVE")),
    (item(points=0.125), ("points", "POINTS_PRECISION")),
    (item(difficulty=6), ("difficulty", "DIFFICULTY_RANGE")),
    (item(options=["甲", "甲", "丙"]), ("options.1", "OPTION_DUPLICATE")),
    (item(options=["甲"]), ("options", "OPTIONS_TOO_FEW")),
    (item(knowledge_points=["pub.k99"]), ("knowledge_points", "KNOWLEDGE_POINT_UNKNOWN")),
    (item(levels=["L4"], module="con", knowledge_points=["con.k01"]), ("levels", "LEVEL_NOT_IN_MODULE")),
    (item(type="short", options=None, key=None, references=[]), ("references", "REFERENCE_MISSING")),
    (item(type="short", options=None, key=None, points=5, references=["参考"],
          rubric=[{"point": "要点", "weight": 3}]), ("rubric", "RUBRIC_WEIGHTS_SUM")),
    (item(type="fill"), ("type", "TYPE_UNKNOWN")),
])
def test_invalid_items_name_the_field(data, expected):
    assert expected in codes(data)


@pytest.mark.parametrize(("raw", "expected"), [
    ("ABD", ["A", "B", "D"]), ("A,B", ["A", "B"]), ("A、B", ["A", "B"]), ("b d", ["B", "D"]),
    (["C", "A"], ["A", "C"]), ("ＡＢ", ["A", "B"]),
])
def test_multi_key_spellings(raw, expected):
    assert get_type("multi").normalise_key(raw, None) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("对", True), ("正确", True), ("√", True), ("A", True), ("T", True), (True, True),
    ("错", False), ("错误", False), ("×", False), ("B", False), ("false", False),
])
def test_truefalse_key_spellings(raw, expected):
    assert get_type("truefalse").normalise_key(raw, None) is expected


def test_scoring_single_and_truefalse():
    single = get_type("single").normalise(item())
    assert get_type("single").score(single, "B") == 1.0
    assert get_type("single").score(single, "A") == 0.0
    assert get_type("single").score(single, None) == 0.0
    tf = get_type("truefalse").normalise(item(type="truefalse", options=None, key="对"))
    assert get_type("truefalse").score(tf, True) == 1.0
    assert get_type("truefalse").score(tf, False) == 0.0


@pytest.mark.parametrize(("rule", "response", "expected"), [
    ({"name": "all_or_nothing"}, ["A", "C", "D"], 2.0),
    ({"name": "all_or_nothing"}, ["A", "C"], 0.0),
    ({"name": "partial"}, ["A", "C"], 1.0),
    ({"name": "partial", "partial_fraction": 0.25}, ["A"], 0.5),
    ({"name": "partial"}, ["A", "B"], 0.0),
    ({"name": "proportional"}, ["A", "C"], 1.33),
    ({"name": "proportional"}, ["A", "B", "C", "D"], 0.0),
    ({"name": "proportional"}, None, 0.0),
])
def test_multi_scoring_rules(rule, response, expected):
    content = get_type("multi").normalise(item(type="multi", key="ACD", points=2))
    assert get_type("multi").score(content, response, rule) == expected


def test_responses_are_normalised_or_refused():
    assert get_type("single").normalise_response(" b ", 4) == "B"
    assert get_type("single").normalise_response("", 4) is None
    with pytest.raises(ValueError):
        get_type("single").normalise_response("E", 4)
    assert get_type("multi").normalise_response("D,a", 4) == ["A", "D"]
    assert get_type("truefalse").normalise_response("×", 0) is False
    assert get_type("short").normalise_response("第一行\r\n第二行", 0) == "第一行\n第二行"
    assert get_type("short").score({}, "任何答案") is None


def test_candidate_view_never_contains_the_key():
    for data in (item(), item(type="multi", key="AB"), item(type="truefalse", options=None, key=True),
                 item(type="short", options=None, key=None, references=["参考答案"],
                      rubric=[{"point": "要点", "weight": 1}])):
        t = get_type(data["type"])
        view = t.candidate_view(t.normalise(data))
        assert set(view) <= {"type", "stem", "points", "options"}
        assert "参考答案" not in str(view) and "解析" not in str(view)
