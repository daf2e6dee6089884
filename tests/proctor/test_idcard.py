"""Resident ID numbers: the GB 11643 check digit, the birth date and the sex digit."""

from datetime import date

import pytest

from examengine.proctor.idcard import IdNumberError, check_digit, parse_id_number

# The standard's own example (GB 11643-1999, appendix A): 11010519491231002X, a woman born 1949-12-31.
STANDARD = "11010519491231002X"


def test_the_standards_example_is_valid():
    n = parse_id_number(STANDARD)
    assert n.birth_date == date(1949, 12, 31) and n.sex == "F"
    assert check_digit(STANDARD[:17]) == "X"


def test_full_width_lowercase_and_spaces_are_normalised():
    assert parse_id_number("１１０１０５ 1949１２３１００２x").number == STANDARD


def test_a_male_number_built_with_its_check_digit():
    first17 = "44030619900101001"  # 17th digit odd: male
    n = parse_id_number(first17 + check_digit(first17))
    assert n.sex == "M" and n.birth_date == date(1990, 1, 1)


@pytest.mark.parametrize("raw,code", [
    ("1101051949123100", "ID_LENGTH"),
    ("11010519491231002Y", "ID_CHARACTERS"),
    ("11010519491231A02X", "ID_CHARACTERS"),
    ("99010519491231002X", "ID_REGION"),
    ("110105194902300020", "ID_BIRTH_DATE"),  # 30 February
    ("110105299901010020", "ID_BIRTH_DATE"),  # in the future
    ("110105194912310021", "ID_CHECK_DIGIT"),
])
def test_each_mistake_has_its_code(raw, code):
    with pytest.raises(IdNumberError) as exc:
        parse_id_number(raw, today=date(2026, 11, 23))
    assert exc.value.code == code and exc.value.message_zh


def test_one_mistyped_digit_is_always_caught():
    first17 = STANDARD[:17]
    for pos in range(17):
        for d in "0123456789":
            if d != first17[pos]:
                typo = first17[:pos] + d + first17[pos + 1:] + "X"
                try:
                    parse_id_number(typo)
                except IdNumberError:
                    continue
                raise AssertionError(f"{typo} accepted")
