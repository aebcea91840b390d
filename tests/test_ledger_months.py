"""The month sums PostgreSQL keeps beside the ledger (relief migration 0005) give the ledger
page the same totals as summing every line, for every filter the page offers and every scope."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from relief import selectors, services
from relief.models import Disbursement, LedgerMonth, Method
from tests.relief_bank_support import entitlement_for

pytestmark = pytest.mark.django_db

TODAY = date.today()
POSTGRES_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL keeps the month sums (a trigger)"
)


@pytest.fixture
def spread(registry):
    """Lines over two years, two unions, cash and goods, one reversed."""
    people = registry
    days = [TODAY - timedelta(days=n) for n in (420, 380, 200, 65, 40, 3, 0)]
    for household in (people.household_a, people.household_b):
        for number, day in enumerate(days):
            entitlement = entitlement_for(people, household, "900.00")
            line = services.disbursement_pay(
                actor=people.finance,
                entitlement=entitlement,
                method=Method.CASH if number % 2 else Method.GOODS,
                amount=Decimal("300.00") + number,
                paid_on=day,
                signed_by="户主",
                goods=[] if number % 2 else [{"item": "大米", "quantity": "1", "value": "300"}],
            )
            if number == 3:
                services.disbursement_reverse(
                    actor=people.finance, line=line, reason="录错户名", paid_on=day
                )
    return people


def _filters(people):
    month_start = TODAY.replace(day=1)
    yield {}
    yield {"year": TODAY.year}
    yield {"year": TODAY.year - 1}
    yield {"paid_from": month_start}
    yield {"paid_from": TODAY - timedelta(days=50)}
    yield {"paid_to": TODAY - timedelta(days=50)}
    yield {"paid_from": TODAY - timedelta(days=400), "paid_to": TODAY - timedelta(days=30)}
    yield {"paid_from": TODAY - timedelta(days=5), "paid_to": TODAY - timedelta(days=1)}
    yield {"paid_from": TODAY, "paid_to": TODAY - timedelta(days=1)}
    yield {"union": people.union_a}
    yield {"method": Method.CASH, "year": TODAY.year}
    yield {"kind": "reversal"}
    yield {"paid_from": TODAY - timedelta(days=70), "union": people.union_b, "method": "goods"}


def _direct(user, cleaned):
    lines = Disbursement.objects.visible_to(user)
    for name in ("programme", "fund", "union", "method", "kind"):
        if cleaned.get(name):
            lines = lines.filter(**{name: cleaned[name]})
    if cleaned.get("year"):
        lines = lines.filter(paid_on__year=cleaned["year"])
    if cleaned.get("paid_from"):
        lines = lines.filter(paid_on__gte=cleaned["paid_from"])
    if cleaned.get("paid_to"):
        lines = lines.filter(paid_on__lte=cleaned["paid_to"])
    return selectors.ledger_totals(lines)


@POSTGRES_ONLY
@pytest.mark.parametrize("who", ["finance", "auditor", "supervisor_a", "caseworker_b"])
def test_the_kept_totals_equal_the_sums_of_the_lines(spread, who):
    user = spread[who]
    for cleaned in _filters(spread):
        assert selectors.ledger_totals_kept(user=user, cleaned=cleaned) == _direct(user, cleaned), (
            cleaned
        )


@POSTGRES_ONLY
def test_every_line_is_summed_once_by_the_trigger(spread):
    assert sum(month.lines for month in LedgerMonth.objects.all()) == Disbursement.objects.count()
    assert sum(month.amount for month in LedgerMonth.objects.all()) == sum(
        line.amount for line in Disbursement.objects.all()
    )


@pytest.mark.parametrize("query", ["", "?year={year}", "?year={year}&paid_from={day}&method=cash"])
def test_the_ledger_page_shows_the_totals_of_its_filters(spread, client, query):
    client.force_login(spread.finance)
    query = query.format(year=TODAY.year, day=TODAY.replace(day=1).isoformat())
    response = client.get(reverse("relief:ledger") + query)
    assert response.status_code == 200
    cleaned = response.context["filters"].form.cleaned_data
    assert response.context["totals"] == _direct(spread.finance, cleaned)
    assert response.context["totals"]["count"] == len(response.context["lines"])


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite keeps no month sums")
def test_without_kept_sums_the_page_sums_the_lines(spread, client):
    assert selectors.ledger_totals_kept(user=spread.finance, cleaned={}) is None
    client.force_login(spread.finance)
    response = client.get(reverse("relief:ledger"))
    assert response.context["totals"] == _direct(spread.finance, {})
