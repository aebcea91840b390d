"""The means test: rules and the explanation stored with each decision."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from households.choices import Category, Degree
from households.means_test import MeansTestInput, NoStandardInForce, evaluate, standard_in_force
from households.models import ClassificationPolicy, LivingStandard

STANDARD = LivingStandard(effective_from=date(2026, 1, 1), monthly_amount=Decimal("664.00"))
POLICY = ClassificationPolicy(effective_from=date(2025, 1, 1))


def facts(**overrides) -> MeansTestInput:
    values = {
        "size": 3,
        "monthly_income": Decimal("1800"),
        "monthly_rigid_expenses": Decimal(0),
        "annual_hardship_costs": Decimal(0),
        "receives_subsistence_allowance": False,
        "causes": ("low_income",),
        "exclusions": (),
    }
    values.update(overrides)
    return MeansTestInput(**values)


def run(**overrides):
    with translation.override("en"):
        return evaluate(facts(**overrides), standard=STANDARD, policy=POLICY)


def test_a_household_on_the_allowance_is_a_subsistence_household():
    result = run(receives_subsistence_allowance=True, monthly_income=Decimal("1200"))
    assert result.category == Category.SUBSISTENCE
    assert result.degree == Degree.SEVERE  # 400 a head, below 664


def test_near_the_line_takes_both_conditions_at_their_limits():
    # 996 a head = 1.5 × 664, and (2,988 − 996) ÷ 3 = 664 = the standard after rigid expenses.
    result = run(monthly_income=Decimal("2988"), monthly_rigid_expenses=Decimal("996"))
    assert result.per_capita_income == Decimal("996.00")
    assert result.adjusted_per_capita == Decimal("664.00")
    assert result.category == Category.NEAR_SUBSISTENCE
    assert result.degree == Degree.SERIOUS  # 664 is not below 664


def test_one_cent_above_the_near_line_without_a_blow_is_not_in_hardship():
    result = run(monthly_income=Decimal("2988.03"), monthly_rigid_expenses=Decimal("996"))
    assert result.category == Category.NOT_ELIGIBLE
    assert result.degree == ""


def test_low_per_capita_income_without_rigid_expenses_above_the_standard_is_not_near():
    # 800 a head is within 1.5 × 664 = 996, but with nothing to deduct it stays above 664.
    assert run(monthly_income=Decimal("2400")).category == Category.NOT_ELIGIBLE
    assert run(monthly_income=Decimal("1800")).category == Category.NEAR_SUBSISTENCE


def test_a_costly_illness_makes_an_accident_household_up_to_three_times_the_standard():
    result = run(
        monthly_income=Decimal("4500"),  # 1,500 a head ≤ 3 × 664
        causes=("illness",),
        annual_hardship_costs=Decimal("45000"),  # > 80 % of 54,000
        monthly_rigid_expenses=Decimal("2000"),
    )
    assert result.category == Category.ACCIDENT
    assert result.adjusted_per_capita == Decimal("833.33")
    assert result.degree == Degree.SERIOUS


def test_costs_below_the_share_are_no_sudden_blow():
    result = run(
        monthly_income=Decimal("4500"), causes=("illness",), annual_hardship_costs=Decimal("43000")
    )
    assert result.category == Category.NOT_ELIGIBLE


def test_an_exclusion_wins_over_any_income():
    result = run(monthly_income=Decimal("300"), exclusions=("owns two or more homes",))
    assert result.category == Category.NOT_ELIGIBLE
    assert "owns two or more homes" in result.explanation


def test_rigid_expenses_lower_the_degree():
    on_allowance = {"receives_subsistence_allowance": True, "monthly_income": Decimal("2400")}
    assert run(**on_allowance).degree == Degree.SERIOUS  # 800 a head
    assert run(**on_allowance, monthly_rigid_expenses=Decimal("600")).degree == Degree.SEVERE


def test_the_explanation_names_the_standard_the_thresholds_and_their_dates():
    explanation = run(
        monthly_income=Decimal("2988"), monthly_rigid_expenses=Decimal("996")
    ).explanation
    assert "664.00" in explanation
    assert "2026-01-01" in explanation
    assert "2025-01-01" in explanation
    assert "996.00" in explanation
    assert "1.50" in explanation


def test_the_explanation_reads_in_chinese_by_default():
    result = evaluate(facts(monthly_income=Decimal("2988")), standard=STANDARD, policy=POLICY)
    assert "低保标准" in result.explanation


@pytest.mark.django_db
def test_the_standard_in_force_is_the_latest_that_has_started(people):
    LivingStandard.objects.create(
        county=people.county, effective_from=date(2025, 1, 1), monthly_amount=570
    )
    LivingStandard.objects.create(
        county=people.county, effective_from=date(2026, 1, 1), monthly_amount=664
    )
    assert (
        standard_in_force(county_id=people.county.pk, on=date(2025, 12, 31)).monthly_amount == 570
    )
    assert standard_in_force(county_id=people.county.pk, on=date(2026, 1, 1)).monthly_amount == 664
    with pytest.raises(NoStandardInForce):
        standard_in_force(county_id=people.county.pk, on=date(2024, 12, 31))
