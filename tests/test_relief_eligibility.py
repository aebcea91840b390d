"""relief.eligibility.decide: the pure decision, checked against figures computed by hand."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from relief.eligibility import (
    GoodsLine,
    HouseholdFacts,
    ProgrammeRules,
    RequestFacts,
    TierRule,
    decide,
    money_refusal,
    yuan,
)

ON = date(2027, 1, 10)
RICE = GoodsLine(item="大米", unit="袋", quantity=Decimal(2), unit_value=Decimal("60.00"))
OIL = GoodsLine(item="食用油", unit="桶", quantity=Decimal(1), unit_value=Decimal("80.00"))

WARMTH = ProgrammeRules(name="两节送温暖", kind="warmth", county_approval_above=Decimal("2000"))
WARMTH_TIERS = [
    TierRule(id=1, name="特困", cash_amount=Decimal("2000.00"), degree="severe", goods=(RICE, OIL)),
    TierRule(id=2, name="重困", cash_amount=Decimal("1000.00"), degree="serious", goods=(RICE,)),
    TierRule(id=3, name="一般困难", cash_amount=Decimal("500.00"), degree="general"),
    TierRule(
        id=4,
        name="低保·特困",
        cash_amount=Decimal("2500.00"),
        category="subsistence",
        degree="severe",
    ),
]
MEDICAL = ProgrammeRules(
    name="医疗救助",
    kind="medical",
    yearly_cap_per_person=Decimal("2000.00"),
    county_approval_above=Decimal("1000.00"),
)
MEDICAL_TIERS = [
    TierRule(
        id=10, name="住院", cash_amount=Decimal("500.00"), medical_case="stay", is_ceiling=True
    ),
    TierRule(
        id=11,
        name="手术",
        cash_amount=Decimal("1000.00"),
        medical_case="surgery",
        is_ceiling=True,
        goods=(GoodsLine(item="慰问品", unit="份", quantity=Decimal(2), unit_value=Decimal(100)),),
    ),
]
TUITION = ProgrammeRules(
    name="金秋助学", kind="tuition", registered_only=False, once_per_student_year=True
)
TUITION_TIERS = [
    TierRule(id=20, name="大学", cash_amount=Decimal("5000.00"), school_stage="university"),
    TierRule(id=21, name="高中", cash_amount=Decimal("3000.00"), school_stage="high_school"),
    TierRule(
        id=22,
        name="非在册大学",
        cash_amount=Decimal("4000.00"),
        school_stage="university",
        for_registered=False,
    ),
]

REGISTERED_SEVERE = HouseholdFacts(
    registered=True, category="near_subsistence", degree="severe", degree_label="特困"
)
EXITED = HouseholdFacts(registered=False, status_label="已脱困", degree="severe")


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def test_a_fixed_tier_gives_its_amount_and_goods_valued_at_unit_values():
    decision = decide(
        programme_rules=WARMTH,
        tiers=WARMTH_TIERS,
        household_facts=REGISTERED_SEVERE,
        request=RequestFacts(),
        on=ON,
    )
    assert decision.eligible
    assert decision.tier.name == "特困"
    assert decision.cash_amount == Decimal("2000.00")
    # 2 bags of rice at 60 + 1 can of oil at 80 = 200
    assert decision.goods_value == Decimal("200.00")
    assert decision.goods == [
        {"item": "大米", "unit": "袋", "quantity": "2", "value": "120.00"},
        {"item": "食用油", "unit": "桶", "quantity": "1", "value": "80.00"},
    ]
    assert decision.total == Decimal("2200.00")
    assert decision.needs_county_approval  # 2,200 > 2,000
    assert any("2,000" in reason for reason in decision.reasons)
    assert decision.as_json()["cash_amount"] == "2000.00"


def test_the_most_specific_tier_wins():
    household = HouseholdFacts(registered=True, category="subsistence", degree="severe")
    decision = decide(
        programme_rules=WARMTH,
        tiers=WARMTH_TIERS,
        household_facts=household,
        request=RequestFacts(),
        on=ON,
    )
    assert decision.tier.id == 4 and decision.cash_amount == Decimal("2500.00")


def test_an_unclassified_household_matches_no_tier_and_is_told_to_classify_it():
    decision = decide(
        programme_rules=WARMTH,
        tiers=WARMTH_TIERS,
        household_facts=HouseholdFacts(registered=True),
        request=RequestFacts(),
        on=ON,
    )
    assert not decision.eligible
    assert "分类" in decision.refusal() or "classify" in decision.refusal()


def test_registered_households_only_unless_the_programme_says_otherwise():
    refused = decide(
        programme_rules=WARMTH,
        tiers=WARMTH_TIERS,
        household_facts=EXITED,
        request=RequestFacts(),
        on=ON,
    )
    assert not refused.eligible and "已脱困" in refused.refusal()
    outside = decide(
        programme_rules=TUITION,
        tiers=TUITION_TIERS,
        household_facts=EXITED,
        request=RequestFacts(student_name="小明", school_stage="university", school_year=2026),
        on=ON,
    )
    assert outside.eligible
    assert outside.tier.id == 22 and outside.cash_amount == Decimal("4000.00")


def test_a_ceiling_tier_takes_the_caseworkers_amount_up_to_the_tier():
    def medical(amount, case="surgery"):
        return decide(
            programme_rules=MEDICAL,
            tiers=MEDICAL_TIERS,
            household_facts=REGISTERED_SEVERE,
            request=RequestFacts(
                cash_amount=amount,
                medical_case=case,
                patient_name="张三",
                medical_case_label="手术",
            ),
            on=ON,
        )

    within = medical(Decimal("800.00"))
    assert within.eligible
    assert (within.cash_amount, within.goods_value) == (Decimal("800.00"), Decimal("200.00"))
    assert not within.needs_county_approval  # 1,000 is not above 1,000
    above = medical(Decimal("1000.00"))
    assert above.eligible and above.needs_county_approval  # 1,200 > 1,000
    assert not medical(Decimal("1000.01")).eligible
    assert not medical(None).eligible  # a ceiling needs an amount
    assert not medical(Decimal("600"), case="stay").eligible  # stay: at most 500


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5"), Decimal("1.005")])
def test_zero_negative_and_over_precise_amounts_are_refused(amount):
    decision = decide(
        programme_rules=MEDICAL,
        tiers=MEDICAL_TIERS,
        household_facts=REGISTERED_SEVERE,
        request=RequestFacts(cash_amount=amount, medical_case="stay", patient_name="张三"),
        on=ON,
    )
    assert not decision.eligible
    assert money_refusal(amount)


def test_the_yearly_cap_counts_what_was_received_and_says_what_is_left():
    decision = decide(
        programme_rules=MEDICAL,
        tiers=MEDICAL_TIERS,
        household_facts=REGISTERED_SEVERE,
        request=RequestFacts(cash_amount=Decimal("400"), medical_case="stay", patient_name="张三"),
        received_this_year=Decimal("1500.00"),
        on=ON,
    )
    # 400 cash + 0 goods = 400 ≤ 2,000 − 1,500 = 500
    assert decision.eligible and decision.cap_left == Decimal("500.00")
    assert any("1,500" in r and "2,000" in r and "500" in r for r in decision.reasons)
    over = decide(
        programme_rules=MEDICAL,
        tiers=MEDICAL_TIERS,
        household_facts=REGISTERED_SEVERE,
        request=RequestFacts(
            cash_amount=Decimal("400"), medical_case="surgery", patient_name="张三"
        ),
        received_this_year=Decimal("1500.00"),
        on=ON,
    )
    # 400 cash + 200 goods = 600 > 500 left
    assert not over.eligible
    assert "600" in over.refusal() and "500" in over.refusal()


def test_tuition_once_per_student_year_and_never_on_top_of_another_grant():
    request = RequestFacts(student_name="小明", school_stage="university", school_year=2026)
    registered = HouseholdFacts(registered=True)
    first = decide(
        programme_rules=TUITION,
        tiers=TUITION_TIERS,
        household_facts=registered,
        request=request,
        on=ON,
    )
    assert first.eligible and first.cash_amount == Decimal("5000.00")
    again = decide(
        programme_rules=TUITION,
        tiers=TUITION_TIERS,
        household_facts=registered,
        request=request,
        already_granted_same_study=date(2026, 9, 1),
        on=ON,
    )
    assert not again.eligible and "2026-09-01" in again.refusal()
    other = decide(
        programme_rules=TUITION,
        tiers=TUITION_TIERS,
        household_facts=registered,
        request=RequestFacts(
            student_name="小明", school_stage="university", school_year=2026, other_grant=True
        ),
        on=ON,
    )
    assert not other.eligible
    no_stage = decide(
        programme_rules=TUITION,
        tiers=TUITION_TIERS,
        household_facts=registered,
        request=RequestFacts(student_name="小明", school_stage="compulsory", school_year=2026),
        on=ON,
    )
    assert not no_stage.eligible  # no tier for compulsory education


def test_yuan_writes_amounts_as_the_federation_does():
    assert yuan(Decimal("1000")) == "1,000"
    assert yuan(Decimal("1000.5")) == "1,000.50"
