"""Real GIFT and Aiken files from Moodle and the GIFT grammar project give the report we expect.

The files live outside the repository (their licences differ, see shared/interop/SOURCES.md); the expected
reports below were worked out by reading each file. Without the folder this data check is skipped."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from examengine.bank.formats import aiken, gift
from examengine.bank.formats.base import IMPORTED, REJECTED, WARNING

INTEROP = Path(__file__).resolve().parents[4] / "shared" / "interop"

pytestmark = pytest.mark.skipif(not INTEROP.is_dir(), reason=f"interop sample files not present at {INTEROP}")

IMP, WARN, REJ = IMPORTED, WARNING, REJECTED

# file -> one (location, outcome, codes) per question, in file order
EXPECTED: dict[str, list[tuple[str, str, list[str]]]] = {
    "gift/escapeAll.gift": [
        ("line 1", WARN, ["FEEDBACK_LOST"]),                      # 7 options ~ = # { } : \ with feedback each
    ],
    "gift/giftFormatPhpExamples.gift": [
        ("line 5", IMP, []),                                     # {~Grant ~Jefferson =no one}
        ("line 7", REJ, ["MISSING_WORD_UNSUPPORTED"]),           # Grant is {...} in Grant's tomb.
        ("line 9", IMP, []),                                     # {FALSE}
        ("line 11", WARN, ["SHORT_NEEDS_RUBRIC"]),                # {=no one =nobody}
        ("line 13", REJ, ["NUMERICAL_UNSUPPORTED"]),             # {#1822:5}
        ("line 15", REJ, ["MATCHING_UNSUPPORTED"]),              # =Canada->Ottawa ...
        ("line 22", REJ, ["MISSING_WORD_UNSUPPORTED"]),          # ::Grant's Tomb:: with feedback
        ("line 28", WARN, ["FEEDBACK_LOST", "PARTIAL_CREDIT_LOST"]),                         # ~%50%half credit
        ("line 33", WARN, ["FEEDBACK_LOST", "PARTIAL_CREDIT_LOST", "TRAILING_TEXT_DROPPED",  # }. after the block
                        "SHORT_NEEDS_RUBRIC"]),
        ("line 40", REJ, ["NUMERICAL_UNSUPPORTED"]),             # multi-answer numerical
    ],
    "gift/multiLineFeedback1.gift": [
        ("line 3", WARN, ["FEEDBACK_LOST"]),
        ("line 11", WARN, ["HTML_CONVERTED"]),                    # Word HTML; the only feedback is empty markup
    ],
    "gift/questions.gift.txt": [
        ("line 2", WARN, ["SHORT_NEEDS_RUBRIC"]),                 # essay {}
        ("line 5", REJ, ["MATCHING_UNSUPPORTED"]),
        ("line 14", WARN, ["FEEDBACK_LOST"]),
        ("line 22", WARN, ["FEEDBACK_LOST"]),                     # multiple response 50/50 and -100/-100
        ("line 31", REJ, ["NUMERICAL_UNSUPPORTED"]),
        ("line 34", WARN, ["FEEDBACK_LOST", "PARTIAL_CREDIT_LOST", "WILDCARD_LOST", "SHORT_NEEDS_RUBRIC"]),
        ("line 41", WARN, ["FEEDBACK_LOST", "TRAILING_TEXT_DROPPED"]),   # }"; after the block
        ("line 46", IMP, []),                                    # {T}
        ("line 49", IMP, []),                                    # {TRUE}
    ],
    "gift/questions_in_category.gift.txt": [
        ("line 5", REJ, ["MATCHING_UNSUPPORTED"]),
        ("line 14", WARN, ["HTML_CONVERTED", "FEEDBACK_LOST"]),
        ("line 22", WARN, ["SHORT_NEEDS_RUBRIC"]),                # =%100%Moodler# (empty feedback)
        ("line 27", WARN, ["HTML_CONVERTED"]),
    ],
    "aiken/aiken_errors.txt": [
        ("line 1", REJ, ["TOO_FEW_OPTIONS"]),                    # Moodle reports its ANSWER line, 3
        ("line 5", REJ, ["OPTION_WITHOUT_STEM"]),
        ("line 7", REJ, ["ANSWER_WITHOUT_QUESTION"]),
        ("line 9", IMP, []),
        ("line 14", REJ, ["ANSWER_MISSING"]),                    # Moodle reports the next question's line, 18
        ("line 18", IMP, []),
        ("line 23", IMP, []),
    ],
    "aiken/questions.aiken.txt": [
        ("line 1", IMP, []),
        ("line 8", IMP, []),
    ],
}

COUNTS = {
    "gift/escapeAll.gift": {IMP: 0, WARN: 1, REJ: 0},
    "gift/giftFormatPhpExamples.gift": {IMP: 2, WARN: 3, REJ: 5},
    "gift/multiLineFeedback1.gift": {IMP: 0, WARN: 2, REJ: 0},
    "gift/questions.gift.txt": {IMP: 2, WARN: 5, REJ: 2},
    "gift/questions_in_category.gift.txt": {IMP: 0, WARN: 3, REJ: 1},
    "aiken/aiken_errors.txt": {IMP: 3, WARN: 0, REJ: 4},
    "aiken/questions.aiken.txt": {IMP: 2, WARN: 0, REJ: 0},
}


def _parse(name: str) -> list:
    module = gift if name.startswith("gift/") else aiken
    return module.parse((INTEROP / name).read_bytes(), Path(name).name)


def test_every_sample_file_has_an_expectation() -> None:
    found = {f"{folder}/{p.name}" for folder in ("gift", "aiken") for p in (INTEROP / folder).iterdir()}
    assert found == set(EXPECTED) == set(COUNTS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_report(name: str) -> None:
    entries = _parse(name)
    assert [(e.location, e.outcome, [m.code for m in e.messages]) for e in entries] == EXPECTED[name]
    counts = Counter(e.outcome for e in entries)
    assert {k: counts[k] for k in (IMP, WARN, REJ)} == COUNTS[name]


def test_gift_content() -> None:
    (escapes,) = _parse("gift/escapeAll.gift")
    assert escapes.data["options"] == ["~", "=", "#", "{", "}", ":", "\\"] and escapes.data["key"] == "G"

    essay, _, single, multi, _, short, tf, *_ = _parse("gift/questions.gift.txt")
    assert essay.data["type"] == "short" and essay.data["references"] == [] and essay.data["status"] == "draft"
    assert single.data["options"] == ["yellow", "red", "blue"] and single.data["key"] == "A"
    assert multi.data["type"] == "multi" and multi.data["key"] == ["A", "C"]
    assert short.data["references"] == ["Frog"]
    assert tf.data["key"] is False
    assert tf.data["explanation"] == "This is, of course, a Hitchiker's Guide to the Galaxy reference."

    _, greeting, user, acronym = _parse("gift/questions_in_category.gift.txt")
    assert {e.data["category"] for e in (greeting, user, acronym)} == {"Default for New Features"}
    assert greeting.data["stem"] == "Listen to this greeting:\n\nWhat language is being spoken?"
    assert greeting.data["key"] == "B" and user.data["references"] == ["Moodler"]
    assert acronym.data["stem"] == "Moodle is an acronym for Modular Object-Oriented Dynamic Learning Environment."

    first, word_html = _parse("gift/multiLineFeedback1.gift")
    assert first.data["explanation"] == "Global feedback split\non multiple lines"
    assert word_html.data["title"] == "06- création d'instance" and word_html.data["key"] == "E"
    assert word_html.data["options"][4] == "ContrôleurAbonnement"
    assert "1 image" in word_html.messages[0].message


def test_aiken_content() -> None:
    good = [e.data for e in _parse("aiken/aiken_errors.txt") if not e.rejected]
    assert [(d["stem"], d["options"], d["key"]) for d in good] == [
        ("A good question", ["Correct", "Incorrect"], "A"),
        ("A second good question", ["Incorrect (No space)", "Correct (No space)"], "B"),
        ("A third good question with HTML chars such as > < &", ["Correct (< > &)", "Incorrect (< > &)"], "A"),
    ]
    started, html_tf = (e.data for e in _parse("aiken/questions.aiken.txt"))
    assert started["type"] == "single" and started["key"] == "B" and started["options"][1] == "Martin Dougiamas"
    assert html_tf["type"] == "truefalse" and html_tf["key"] is True
    assert html_tf["stem"] == 'Moodle\'s abilities include handling user input that includes <html class="cool"> & images:'
