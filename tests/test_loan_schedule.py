"""relief.loans.schedule against figures worked out by hand (issue 10's contract)."""

from datetime import date
from decimal import Decimal

import pytest

from relief.loans import add_months, schedule

D = Decimal


def rows(instalments):
    return [(i.due.isoformat(), str(i.principal), str(i.interest)) for i in instalments]


def test_equal_principal_falls_on_month_ends_and_charges_interest_on_what_is_outstanding():
    plan = schedule(
        principal=D("12000.00"),
        annual_rate=D("0.06"),
        term_months=3,
        method="equal_principal",
        first_due=date(2027, 1, 31),
    )
    assert rows(plan) == [
        ("2027-01-31", "4000.00", "60.00"),
        ("2027-02-28", "4000.00", "40.00"),
        ("2027-03-31", "4000.00", "20.00"),
    ]


def test_equal_principal_puts_the_rounding_on_the_last_instalment():
    plan = schedule(
        principal=D("10000.00"),
        annual_rate=D("0.0435"),
        term_months=3,
        method="equal_principal",
        first_due=date(2027, 3, 15),
    )
    # 10000 × 4.35 % ÷ 12 = 36.25; 6666.67 × … = 24.1666… → 24.17; 3333.34 × … = 12.0833… → 12.08
    assert rows(plan) == [
        ("2027-03-15", "3333.33", "36.25"),
        ("2027-04-15", "3333.33", "24.17"),
        ("2027-05-15", "3333.34", "12.08"),
    ]
    assert sum(i.principal for i in plan) == D("10000.00")


def test_equal_instalment_pays_the_annuity_rounded_and_the_last_absorbs_the_rest():
    plan = schedule(
        principal=D("10000.00"),
        annual_rate=D("0.12"),
        term_months=3,
        method="equal_instalment",
        first_due=date(2027, 1, 10),
    )
    # payment = 10000 × 0.01 ÷ (1 − 1.01⁻³) = 3400.2211… → 3400.22
    assert rows(plan) == [
        ("2027-01-10", "3300.22", "100.00"),
        ("2027-02-10", "3333.22", "67.00"),  # 6699.78 × 1 % = 66.9978
        ("2027-03-10", "3366.56", "33.67"),  # 3366.56 × 1 % = 33.6656
    ]
    assert [str(i.total) for i in plan] == ["3400.22", "3400.22", "3400.23"]
    assert sum(i.principal for i in plan) == D("10000.00")


def test_bullet_pays_interest_monthly_and_the_principal_at_term():
    plan = schedule(
        principal=D("20000.00"),
        annual_rate=D("0.05"),
        term_months=12,
        method="bullet",
        first_due=date(2027, 1, 31),
    )
    assert [str(i.interest) for i in plan] == ["83.33"] * 12  # 20000 × 5 % ÷ 12 = 83.333…
    assert [str(i.principal) for i in plan] == ["0.00"] * 11 + ["20000.00"]
    assert [i.due.isoformat() for i in plan][:3] == ["2027-01-31", "2027-02-28", "2027-03-31"]
    assert plan[-1].due == date(2027, 12, 31)


@pytest.mark.parametrize("method", ["equal_principal", "equal_instalment", "bullet"])
def test_a_one_month_term_repays_everything_at_once_with_interest_rounded_half_up(method):
    (only,) = schedule(
        principal=D("5000.00"),
        annual_rate=D("0.0435"),
        term_months=1,
        method=method,
        first_due=date(2027, 6, 30),
    )
    assert (only.due, only.principal, only.interest) == (
        date(2027, 6, 30),
        D("5000.00"),
        D("18.13"),
    )


@pytest.mark.parametrize("method", ["equal_principal", "equal_instalment"])
def test_a_rate_of_zero_charges_nothing_and_still_sums_to_the_loan(method):
    plan = schedule(
        principal=D("10000.00"),
        annual_rate=D("0"),
        term_months=3,
        method=method,
        first_due=date(2027, 1, 1),
    )
    assert [str(i.principal) for i in plan] == ["3333.33", "3333.33", "3333.34"]
    assert all(i.interest == 0 for i in plan)


@pytest.mark.parametrize("method", ["equal_principal", "equal_instalment", "bullet"])
@pytest.mark.parametrize("term", [1, 7, 12, 24])
def test_the_principal_always_sums_exactly_to_the_loan(method, term):
    plan = schedule(
        principal=D("33333.33"),
        annual_rate=D("0.0475"),
        term_months=term,
        method=method,
        first_due=date(2027, 8, 31),
    )
    assert len(plan) == term
    assert sum(i.principal for i in plan) == D("33333.33")
    assert all(i.principal >= 0 and i.principal.as_tuple().exponent == -2 for i in plan)
    assert all(i.interest.as_tuple().exponent == -2 for i in plan)


def test_a_due_date_in_february_of_a_leap_year_is_the_29th():
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    plan = schedule(
        principal=D("3000.00"),
        annual_rate=D("0.06"),
        term_months=3,
        method="equal_principal",
        first_due=date(2028, 1, 31),
    )
    assert [i.due for i in plan] == [date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31)]


def test_instalments_read_as_mappings_too():
    (only,) = schedule(
        principal=D("100.00"),
        annual_rate=D("0.12"),
        term_months=1,
        method="bullet",
        first_due=date(2027, 1, 1),
    )
    assert (only["due"], only["principal"], only["interest"]) == (
        date(2027, 1, 1),
        D("100.00"),
        D("1.00"),
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"principal": D("0")},
        {"principal": D("-1.00")},
        {"principal": D("1.005")},
        {"annual_rate": D("-0.01")},
        {"term_months": 0},
        {"method": "balloon"},
    ],
)
def test_bad_input_is_refused(changes):
    arguments = {
        "principal": D("1000.00"),
        "annual_rate": D("0.05"),
        "term_months": 12,
        "method": "bullet",
        "first_due": date(2027, 1, 1),
    } | changes
    with pytest.raises(ValueError):
        schedule(**arguments)


def test_a_float_is_refused():
    with pytest.raises(TypeError):
        schedule(
            principal=1000.0,
            annual_rate=D("0.05"),
            term_months=12,
            method="bullet",
            first_due=date(2027, 1, 1),
        )
