import pytest
from django.utils import translation
from stdnum.cn import ric

from households import resident_ids
from households.resident_ids import InvalidResidentId

VALID = "11010519710324728X"


def with_check_digit(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


@pytest.mark.parametrize(
    "typed",
    [
        "11010519710324728X",
        "11010519710324728x",
        " 110105 19710324 728X ",
        "110105-19710324-728x",
        "１１０１０５１９７１０３２４７２８Ｘ",
        "\u00a011010519710324728X\t",
    ],
)
def test_typed_ids_are_normalised(typed):
    assert resident_ids.clean(typed) == VALID


def test_a_fifteen_digit_legacy_id_becomes_eighteen_digits():
    assert resident_ids.clean("110105710324728") == VALID


def test_a_legacy_id_with_an_impossible_birth_date_says_how_to_fix_it():
    with pytest.raises(InvalidResidentId, match="15"):
        resident_ids.clean("110105711324728")


@pytest.mark.parametrize("excel", ["1.10105E+17", "1.10105197103247E+17", 1.1010519710324728e17])
def test_an_id_excel_turned_into_a_number_is_explained(excel):
    with pytest.raises(InvalidResidentId) as refused:
        resident_ids.clean(excel)
    assert "Excel" in refused.value.message


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("110105197103247281", "check digit"),
        ("1101051971032", "18"),
        (with_check_digit("11010519991332472"), "birth date"),
        ("", "missing"),
    ],
)
def test_bad_ids_are_refused_with_a_reason(typed, hint):
    with translation.override("en"), pytest.raises(InvalidResidentId) as refused:
        resident_ids.clean(typed)
    assert hint in refused.value.message


def test_refusals_are_in_chinese_by_default():
    with pytest.raises(InvalidResidentId) as refused:
        resident_ids.clean("110105197103247281")
    assert "校验" in refused.value.message


def test_lists_show_six_and_four():
    assert resident_ids.mask(VALID) == "110105********728X"


def test_birth_date_and_sex_come_from_the_id():
    assert resident_ids.birth_date(VALID).isoformat() == "1971-03-24"
    assert resident_ids.sex(VALID) == "female"  # 17th digit 2 is even
