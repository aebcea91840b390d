from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from stdnum.cn import ric

from households import resident_ids
from households.models import Household
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


# Older workers carry the code of a district created after they were born: the number is
# assigned when the card is issued. Codes from stdnum/cn/loc.dat with the year they started.
BORN_BEFORE_THEIR_AREA_CODE = [
    "13010219600315123",  # 河北 石家庄 长安区, [1983-]
    "37140219650708246",  # 山东 德州 德城区, [1994-]
    "51010419580101357",  # 四川 成都 锦江区, [1990-]
    "44010619621120468",  # 广东 广州 天河区, [1985-]
    "33010619551009579",  # 浙江 杭州 西湖区, [1983-]
]


@pytest.mark.parametrize("body", BORN_BEFORE_THEIR_AREA_CODE)
def test_an_id_whose_area_code_is_younger_than_its_holder_is_accepted(body):
    number = with_check_digit(body)
    assert resident_ids.clean(number) == number


@pytest.mark.parametrize("body", BORN_BEFORE_THEIR_AREA_CODE)
def test_a_fifteen_digit_id_whose_area_code_is_younger_than_its_holder_is_converted(body):
    legacy = body[:6] + body[8:]  # no century, no check digit
    assert resident_ids.clean(legacy) == with_check_digit(body)


def test_an_older_workers_id_with_a_bad_check_digit_is_still_refused():
    number = with_check_digit(BORN_BEFORE_THEIR_AREA_CODE[0])
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    with translation.override("en"), pytest.raises(InvalidResidentId, match="check digit"):
        resident_ids.clean(wrong)


@pytest.mark.parametrize(
    "body",
    [
        "11010518991231123",  # before 1900
        "11010520990101123",  # in the future
        "13010220990101123",  # in the future, with a code that has no end
    ],
)
def test_a_birth_date_before_1900_or_in_the_future_is_refused(body):
    with translation.override("en"), pytest.raises(InvalidResidentId) as refused:
        resident_ids.clean(with_check_digit(body))
    assert "birth date" in refused.value.message
    assert body[6:14] in refused.value.message


def test_a_birth_date_of_tomorrow_is_refused():
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(InvalidResidentId):
        resident_ids.clean(with_check_digit(f"110105{tomorrow:%Y%m%d}123"))


@pytest.mark.parametrize(
    "body",
    [
        "11999919710324728",  # a province (北京) but no such county
        "99010119710324728",  # no such province
        "11010320120324728",  # 崇文区 [-2010]: gone before its holder was born
    ],
)
def test_an_area_code_never_in_force_in_its_holders_lifetime_is_refused(body):
    with translation.override("en"), pytest.raises(InvalidResidentId) as refused:
        resident_ids.clean(with_check_digit(body))
    assert "area code" in refused.value.message
    assert body[:6] in refused.value.message


def test_a_code_retired_after_its_holder_was_born_is_accepted():
    number = with_check_digit("11010319700324728")  # 崇文区 [-2010], born 1970
    assert resident_ids.clean(number) == number


@pytest.mark.parametrize("legacy", ["119999710324728", "110105711324728"])
def test_a_fifteen_digit_id_with_an_unknown_area_code_or_date_is_refused(legacy):
    with translation.override("en"), pytest.raises(InvalidResidentId, match="15"):
        resident_ids.clean(legacy)


@pytest.mark.django_db
def test_an_older_worker_is_registered_through_the_form(client, registry):
    number = with_check_digit("37140219600708246")  # 德城区 [1994-], born 1960
    client.force_login(registry.supervisor)
    response = client.post(
        reverse("households:create"),
        {
            "union": registry.union_a.pk,
            "head_name": "孙老七",
            "head_id_number": number,
            "head_health": "chronic",
            "employment": "laid_off",
            "size": "1",
            "monthly_income": "600.00",
            "housing": "rented",
            "causes": ["job_loss"],
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    household = Household.objects.get(head__id_number=number)
    assert household.union == registry.union_a
    assert household.head.name == "孙老七"
    assert household.head.birth_date.year == 1960
