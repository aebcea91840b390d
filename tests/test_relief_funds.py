"""The fund page's figures (allocated, committed, paid, left per fund source, programme and
budget) agree with sums taken independently, line by line, to the fen."""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from relief import services
from relief.models import Budget, Disbursement, Entitlement, Fund, FundKind, FundYear, Method
from tests.ledger_support import approved_relief, programme_with_budget

pytestmark = pytest.mark.django_db


def pay(people, entitlement, amount):
    return services.disbursement_pay(
        actor=people.finance,
        entitlement=entitlement,
        method=Method.CASH,
        amount=Decimal(amount),
        paid_on=timezone.localdate(),
        signed_by="张三",
    )


@pytest.fixture
def money(registry):
    year = timezone.localdate().year
    medical = programme_with_budget(allocated="3000.00")
    living = programme_with_budget(allocated="5000.00")
    donations = Fund.objects.create(code="ledger-test-donations", name="测试捐赠", kind="donation")
    Budget.objects.create(
        programme=medical, fund=donations, year=year, allocated="2000.50", position=1
    )
    FundYear.objects.create(fund=donations, year=year, amount="9000.00")
    first = approved_relief(registry, programme=medical, amount="1200.00")
    second = approved_relief(registry, programme=medical, amount="1900.25")  # spills over
    third = approved_relief(
        registry, household=registry.household_b, programme=living, amount="800.10"
    )
    pay(registry, first, "1200.00")
    line = pay(registry, second, "1000.00")
    services.disbursement_reverse(
        actor=registry.finance, line=line, reason="金额有误", paid_on=timezone.localdate()
    )
    pay(registry, second, "1900.25")
    pay(registry, third, "800.10")
    # last year's budget and line do not count in this year's figures
    programme_with_budget(allocated="777.00", year=year - 1)
    return registry


def independent_figures(key):
    """Sums taken row by row in Python, grouped by `key` of a budget."""
    year = timezone.localdate().year
    figures = defaultdict(lambda: defaultdict(Decimal))
    for budget in Budget.objects.filter(year=year):
        figures[key(budget)]["allocated"] += budget.allocated
    for entitlement in Entitlement.objects.select_related("budget"):
        if entitlement.budget.year == year:
            figures[key(entitlement.budget)]["committed"] += entitlement.amount
    for line in Disbursement.objects.select_related("budget"):
        if line.budget.year == year:
            figures[key(line.budget)]["paid"] += line.amount
    for values in figures.values():
        values["left"] = values["allocated"] - values["committed"]
    return figures


def page_figures(rows, key):
    return {
        key(row): {name: getattr(row, name) for name in ("allocated", "committed", "paid", "left")}
        for row in rows
    }


def test_the_fund_page_agrees_with_independent_sums(client, money):
    client.force_login(money.auditor)
    response = client.get(reverse("relief:funds"))
    assert response.status_code == 200
    context = response.context
    for rows, key in [
        (context["funds"], lambda budget: budget.fund_id),
        (context["programmes"], lambda budget: budget.programme_id),
        (context["budgets"], lambda budget: budget.pk),
    ]:
        expected = independent_figures(key)
        assert page_figures(rows, lambda row: row.pk) == {
            k: {n: v[n] for n in ("allocated", "committed", "paid", "left")}
            for k, v in expected.items()
        }


def test_the_fund_page_totals_to_the_fen(client, money):
    client.force_login(money.finance)
    totals = client.get(reverse("relief:funds")).context["totals"]
    this_year = [b for b in Budget.objects.all() if b.year == timezone.localdate().year]
    assert totals["allocated"] == sum(b.allocated for b in this_year)
    assert totals["committed"] == sum(e.amount for e in Entitlement.objects.all())
    assert totals["paid"] == sum(line.amount for line in Disbursement.objects.all())
    assert totals["paid"] == Decimal("1200.00") + Decimal("1900.25") + Decimal("800.10")


def test_a_spent_budget_spills_over_to_the_next_source(money):
    second = Entitlement.objects.get(amount=Decimal("1900.25"))
    assert second.budget.fund.kind == FundKind.DONATION
    assert second.budget.allocated == Decimal("2000.50")


def test_last_years_figures_show_for_that_year(client, money):
    client.force_login(money.supervisor)
    year = timezone.localdate().year - 1
    context = client.get(reverse("relief:funds"), {"year": year}).context
    assert context["totals"]["allocated"] == Decimal("777.00")
    assert context["totals"]["paid"] == 0
