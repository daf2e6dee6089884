"""Every real file from other systems in ../shared/interop gives the expected import report, end to end
(format detection, parsing, module mapping, validation), as a dry run through the CLI."""

import json
from pathlib import Path

import pytest

INTEROP = Path(__file__).resolve().parents[3] / "shared" / "interop"
# file -> (format, imported, warnings, rejected, message codes)
EXPECTED = {
    "aiken/aiken_errors.txt": ("aiken", 3, 0, 4, {"ANSWER_MISSING", "ANSWER_WITHOUT_QUESTION", "OPTION_WITHOUT_STEM",
                                                 "TOO_FEW_OPTIONS"}),
    "aiken/questions.aiken.txt": ("aiken", 2, 0, 0, set()),
    "gift/escapeAll.gift": ("gift", 0, 1, 0, {"FEEDBACK_LOST"}),
    "gift/giftFormatPhpExamples.gift": ("gift", 2, 3, 5, {
        "FEEDBACK_LOST", "MATCHING_UNSUPPORTED", "MISSING_WORD_UNSUPPORTED", "NUMERICAL_UNSUPPORTED",
        "PARTIAL_CREDIT_LOST", "SHORT_NEEDS_RUBRIC", "TRAILING_TEXT_DROPPED"}),
    "gift/multiLineFeedback1.gift": ("gift", 0, 2, 0, {"FEEDBACK_LOST", "HTML_CONVERTED"}),
    "gift/questions.gift.txt": ("gift", 1, 6, 2, {
        "DUPLICATE_IN_FILE", "FEEDBACK_LOST", "MATCHING_UNSUPPORTED", "NUMERICAL_UNSUPPORTED", "PARTIAL_CREDIT_LOST",
        "SHORT_NEEDS_REFERENCE", "SHORT_NEEDS_RUBRIC", "TRAILING_TEXT_DROPPED", "WILDCARD_LOST"}),
    "gift/questions_in_category.gift.txt": ("gift", 0, 3, 1, {"FEEDBACK_LOST", "HTML_CONVERTED",
                                                             "MATCHING_UNSUPPORTED", "SHORT_NEEDS_RUBRIC"}),
    "moodle_xml/broken_cloze_questions.xml": ("moodle_xml", 0, 0, 5, {"CLOZE_UNSUPPORTED"}),
    "moodle_xml/error_invalid_grades.xml": ("moodle_xml", 0, 0, 1, {"INVALID_FRACTION"}),
    "moodle_xml/multichoice_testquestion.moodle.xml": ("moodle_xml", 0, 1, 0, {"FEEDBACK_LOST", "PARTIAL_CREDIT_LOST"}),
    "moodle_xml/nested_categories_with_questions.xml": ("moodle_xml", 4, 1, 0, {"SHORT_NEEDS_REFERENCE",
                                                                               "SHORT_NEEDS_RUBRIC"}),
    "moodle_xml/shortanswer_testquestion.moodle.xml": ("moodle_xml", 0, 1, 0, {
        "FEEDBACK_LOST", "PARTIAL_CREDIT_LOST", "SHORT_NEEDS_RUBRIC", "WILDCARD_LOST"}),
    "qti21/choice.xml": ("qti21", 0, 1, 0, {"IMAGE_LOST"}),
    "qti21/choice_multiple.xml": ("qti21", 0, 1, 0, {"PARTIAL_CREDIT_LOST"}),
    "qti21/extended_text.xml": ("qti21", 0, 1, 0, {"IMAGE_LOST", "SHORT_NEEDS_REFERENCE", "SHORT_NEEDS_RUBRIC"}),
    "qti21/text_entry.xml": ("qti21", 0, 1, 0, {"PARTIAL_CREDIT_LOST", "SHORT_NEEDS_RUBRIC"}),
}

pytestmark = pytest.mark.skipif(not INTEROP.is_dir(), reason=f"{INTEROP} is not beside the repository")


def test_every_interop_file_is_covered():
    files = {str(p.relative_to(INTEROP)) for p in INTEROP.glob("*/*") if p.is_file()}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_interop_report(app, demo_bank, name):
    result = app.test_cli_runner().invoke(args=["bank", "import", str(INTEROP / name), "--program", "demo",
                                                "--module", "pub", "--dry-run", "--json"])
    report = json.loads(result.output)
    fmt, imported, warnings, rejected, codes = EXPECTED[name]
    got = (report["format"], report["imported"], report["warnings"], report["rejected"],
           {m["code"] for e in report["entries"] for m in e["messages"]})
    assert got == (fmt, imported, warnings, rejected, codes)
    assert report["written"] == 0
