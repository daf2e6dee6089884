"""Real files from Moodle and QTIWorks (shared/interop, not in this repository: their licences differ).

The expected reports are written out from reading each file; a new file in those folders fails the test until
its report is added here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from examengine.bank.formats import moodle_xml, qti21
from examengine.bank.formats.base import ImportEntry

INTEROP = Path(__file__).resolve().parents[4] / "shared" / "interop"

pytestmark = pytest.mark.skipif(not INTEROP.is_dir(), reason=f"interop samples not present at {INTEROP}")

Report = list[tuple[str, str, list[str]]]

MOODLE_XML: dict[str, Report] = {
    # Five cloze (multianswer) questions, each broken in its own way: none is a type we take.
    "broken_cloze_questions.xml": [(f"question {n}", "rejected", ["CLOZE_UNSUPPORTED"]) for n in range(1, 6)],
    # fraction="33" is not a Moodle grade (33.33333 is): Moodle refuses it, so do we.
    "error_invalid_grades.xml": [("question 1", "rejected", ["INVALID_FRACTION"])],
    # Multiple response with 50/50 on the keys and 0 elsewhere; combined feedback and two hints.
    "multichoice_testquestion.moodle.xml": [
        ("question 1", "warning", ["PARTIAL_CREDIT_LOST", "FEEDBACK_LOST"]),
    ],
    # Four true/false questions and an essay, in nested categories; <p> only, so no HTML warning.
    "nested_categories_with_questions.xml": [
        ("question 1", "imported", []),
        ("question 2", "warning", ["SHORT_NEEDS_RUBRIC"]),
        ("question 3", "imported", []),
        ("question 4", "imported", []),
        ("question 5", "imported", []),
    ],
    # frog 100, toad 80, * 0 with per-answer feedback.
    "shortanswer_testquestion.moodle.xml": [
        ("question 1", "warning",
         ["SHORT_NEEDS_RUBRIC", "PARTIAL_CREDIT_LOST", "WILDCARD_LOST", "FEEDBACK_LOST"]),
    ],
}

QTI21: dict[str, Report] = {
    "choice.xml": [("choice.xml", "warning", ["IMAGE_LOST"])],  # the sign is an <img>
    "choice_multiple.xml": [("choice_multiple.xml", "warning", ["PARTIAL_CREDIT_LOST"])],  # map_response
    "extended_text.xml": [("extended_text.xml", "warning", ["SHORT_NEEDS_RUBRIC", "IMAGE_LOST"])],  # <object>
    # York 1, york 0.5: one reference, partial credit lost
    "text_entry.xml": [("text_entry.xml", "warning", ["SHORT_NEEDS_RUBRIC", "PARTIAL_CREDIT_LOST"])],
}


def _report(entries: list[ImportEntry]) -> Report:
    return [(e.location, e.outcome, [m.code for m in e.messages]) for e in entries]


def _parse(module: Any, folder: str, name: str) -> list[ImportEntry]:
    return module.parse((INTEROP / folder / name).read_bytes(), name)


@pytest.mark.parametrize(("folder", "expected"), [("moodle_xml", MOODLE_XML), ("qti21", QTI21)])
def test_every_sample_has_an_expected_report(folder: str, expected: dict[str, Report]) -> None:
    assert sorted(p.name for p in (INTEROP / folder).iterdir()) == sorted(expected)


@pytest.mark.parametrize("name", sorted(MOODLE_XML))
def test_moodle_xml_reports(name: str) -> None:
    assert _report(_parse(moodle_xml, "moodle_xml", name)) == MOODLE_XML[name]


@pytest.mark.parametrize("name", sorted(QTI21))
def test_qti21_reports(name: str) -> None:
    assert _report(_parse(qti21, "qti21", name)) == QTI21[name]


def test_totals() -> None:
    outcomes = [o for name in MOODLE_XML for _, o, _ in _report(_parse(moodle_xml, "moodle_xml", name))]
    outcomes += [o for name in QTI21 for _, o, _ in _report(_parse(qti21, "qti21", name))]
    assert {o: outcomes.count(o) for o in ("imported", "warning", "rejected")} == {
        "imported": 4, "warning": 7, "rejected": 6}


def test_moodle_sample_contents() -> None:
    (multi,) = _parse(moodle_xml, "moodle_xml", "multichoice_testquestion.moodle.xml")
    assert multi.data["type"] == "multi" and multi.data["key"] == ["C", "E"]  # London, Paris
    assert multi.data["options"] == ["Tokyo", "Spain", "London", "Barcelona", "Paris"]
    assert multi.data["category"] == "Default for C1"
    assert multi.data["explanation"] == "Berlin, Paris and London"
    (short,) = _parse(moodle_xml, "moodle_xml", "shortanswer_testquestion.moodle.xml")
    assert short.data["references"] == ["frog", "toad"] and short.data["status"] == "draft"
    assert short.data["stem"] == "Name an amphibian: __________"
    assert short.data["category"] == "Test questions"
    nested = _parse(moodle_xml, "moodle_xml", "nested_categories_with_questions.xml")
    assert [e.data["category"] for e in nested] == ["Iota", "Iota/Kappa", "Iota/Kappa", "Iota/Kappa/Lambda",
                                                    "Iota/Mu"]
    assert [e.data["type"] for e in nested] == ["truefalse", "short", "truefalse", "truefalse", "truefalse"]
    assert all(e.data["key"] is True for e in nested if e.data["type"] == "truefalse")
    assert nested[0].data["stem"] == "Testing Iota Question"
    (invalid,) = _parse(moodle_xml, "moodle_xml", "error_invalid_grades.xml")
    assert "33" in invalid.messages[0].message and invalid.data is None


def test_qti_sample_contents() -> None:
    (choice,) = _parse(qti21, "qti21", "choice.xml")
    assert choice.data["type"] == "single" and choice.data["key"] == "A" and len(choice.data["options"]) == 3
    assert choice.data["stem"] == "Look at the text in the picture.\nWhat does it say?"
    (multiple,) = _parse(qti21, "qti21", "choice_multiple.xml")
    assert multiple.data["type"] == "multi" and multiple.data["key"] == ["A", "D"]  # Hydrogen, Oxygen
    assert multiple.data["points"] == 2.0
    (essay,) = _parse(qti21, "qti21", "extended_text.xml")
    assert essay.data["type"] == "short" and essay.data["references"] == []
    assert essay.data["stem"].endswith("Write Sam a postcard. Answer the questions. Write 25-35 words.")
    assert "Where do you go in the evenings?" in essay.data["stem"]  # the <object>'s fallback text
    (entry,) = _parse(qti21, "qti21", "text_entry.xml")
    assert entry.data["references"] == ["York"]
    assert "Made glorious summer by this sun of ______;" in entry.data["stem"]
