"""The finance pages: the to-pay queue and pay form, the ledger with its filters and totals, a
line's voucher and its reversal, month close, and the household's own ledger. Grassroots staff
see their union's lines; auditors read and change nothing."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from relief import services
from relief.models import ClosedMonth, Disbursement, EntitlementState, Method
from tests.ledger_support import approved_relief, programme_with_budget

pytestmark = pytest.mark.django_db


def paid_line(people, *, household=None, amount="1200.00", programme=None):
    entitlement = approved_relief(people, household=household, amount=amount, programme=programme)
    return services.disbursement_pay(
        actor=people.finance,
        entitlement=entitlement,
        method=Method.CASH,
        amount=Decimal(amount),
        paid_on=timezone.localdate(),
        signed_by="张三",
    )


def test_the_relief_home_lists_the_pages_a_user_may_open(client, registry):
    client.force_login(registry.finance)
    page = client.get(reverse("relief:index")).content.decode()
    for name in ("relief:to_pay", "relief:ledger", "relief:funds", "relief:months"):
        assert reverse(name) in page
    client.force_login(registry.caseworker_a)
    page = client.get(reverse("relief:index")).content.decode()
    assert reverse("relief:ledger") in page
    assert reverse("relief:to_pay") not in page
    assert reverse("relief:funds") not in page


def test_finance_pays_from_the_queue(client, registry):
    entitlement = approved_relief(registry, amount="1200.00")
    client.force_login(registry.finance)
    queue = client.get(reverse("relief:to_pay"))
    assert reverse("relief:pay", args=[entitlement.pk]) in queue.content.decode()
    response = client.post(
        reverse("relief:pay", args=[entitlement.pk]),
        {
            "method": Method.CASH,
            "amount": "１２００.００",  # full-width digits are cleaned
            "paid_on": timezone.localdate().isoformat(),
            "signed_by": "张三",
        },
    )
    line = Disbursement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("relief:line", args=[line.pk])
    assert line.amount == Decimal("1200.00")
    entitlement.refresh_from_db()
    assert entitlement.state == EntitlementState.PAID
    # a back-and-resubmit writes nothing more: the paid entitlement is no longer in the queue
    again = client.post(
        reverse("relief:pay", args=[entitlement.pk]),
        {"method": Method.CASH, "amount": "1200", "paid_on": timezone.localdate().isoformat()},
    )
    assert again.status_code == 404
    assert Disbursement.objects.count() == 1


def test_a_refused_payment_shows_why_and_writes_nothing(client, registry):
    entitlement = approved_relief(registry, amount="1200.00")
    client.force_login(registry.finance)
    response = client.post(
        reverse("relief:pay", args=[entitlement.pk]),
        {"method": Method.CASH, "amount": "1.005", "paid_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200
    assert b"error-summary" in response.content
    assert not Disbursement.objects.exists()


def test_the_voucher_shows_the_amount_in_capitals(client, registry):
    line = paid_line(registry, amount="1200.00")
    client.force_login(registry.auditor)
    page = client.get(reverse("relief:line", args=[line.pk])).content.decode()
    assert "壹仟贰佰元整" in page
    printed = client.get(reverse("relief:line", args=[line.pk]) + "?print=1").content.decode()
    assert "壹仟贰佰元整" in printed
    assert line.voucher_number in printed


def test_auditors_read_but_a_post_is_refused(client, registry):
    line = paid_line(registry)
    client.force_login(registry.auditor)
    assert client.get(reverse("relief:ledger")).status_code == 200
    assert client.get(reverse("relief:funds")).status_code == 200
    assert client.get(reverse("relief:months")).status_code == 200
    today = timezone.localdate()
    closing = client.post(reverse("relief:months"), {"year": today.year, "month": today.month})
    assert closing.status_code == 403
    reversing = client.post(
        reverse("relief:reverse_line", args=[line.pk]),
        {"reason": "审计", "paid_on": today.isoformat()},
    )
    assert reversing.status_code == 403
    assert not ClosedMonth.objects.exists()
    assert Disbursement.objects.count() == 1


def test_finance_reverses_a_line_through_the_page(client, registry):
    line = paid_line(registry)
    client.force_login(registry.finance)
    response = client.post(
        reverse("relief:reverse_line", args=[line.pk]),
        {"reason": "签收人有误", "paid_on": timezone.localdate().isoformat()},
    )
    reversal = Disbursement.objects.get(reverses=line)
    assert response["Location"] == reverse("relief:line", args=[reversal.pk])
    assert reversal.amount == -line.amount


def test_finance_closes_a_month(client, registry):
    client.force_login(registry.finance)
    today = timezone.localdate()
    response = client.post(reverse("relief:months"), {"year": today.year, "month": today.month})
    assert response.status_code == 302
    assert ClosedMonth.objects.filter(year=today.year, month=today.month).exists()


def test_grassroots_staff_see_their_unions_lines_only(client, registry):
    programme = programme_with_budget()
    line_a = paid_line(registry, household=registry.household_a, programme=programme)
    line_b = paid_line(registry, household=registry.household_b, programme=programme)
    client.force_login(registry.caseworker_a)
    page = client.get(reverse("relief:ledger")).content.decode()
    assert line_a.voucher_number in page
    assert line_b.voucher_number not in page
    assert client.get(reverse("relief:line", args=[line_b.pk])).status_code == 404
    client.force_login(registry.supervisor)
    page = client.get(reverse("relief:ledger")).content.decode()
    assert line_a.voucher_number in page and line_b.voucher_number in page


def test_the_ledger_filters_and_totals(client, registry):
    programme = programme_with_budget()
    paid_line(registry, household=registry.household_a, programme=programme, amount="500.00")
    paid_line(registry, household=registry.household_b, programme=programme, amount="300.00")
    client.force_login(registry.finance)
    response = client.get(reverse("relief:ledger"), {"union": registry.union_b.pk})
    assert response.context["totals"]["net"] == Decimal("300.00")
    assert response.context["totals"]["count"] == 1
    response = client.get(reverse("relief:ledger"))
    assert response.context["totals"]["net"] == Decimal("800.00")


def test_the_ledger_costs_the_same_queries_at_10_and_100_rows(
    client, registry, django_assert_num_queries
):
    programme = programme_with_budget(allocated="100000.00")
    for _ in range(12):
        paid_line(registry, programme=programme, amount="100.00")
    client.force_login(registry.finance)
    client.get(reverse("relief:ledger"))  # warm the session and permissions
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ten:
        response = client.get(reverse("relief:ledger"), {"per_page": 10})
    assert len(response.context["lines"]) == 10
    with django_assert_num_queries(len(ten.captured_queries)):
        response = client.get(reverse("relief:ledger"), {"per_page": 100})
    assert len(response.context["lines"]) == 12


def test_the_household_page_shows_its_ledger(client, registry):
    programme = programme_with_budget(yearly_cap_per_person=Decimal("2000.00"))
    line = paid_line(registry, programme=programme, amount="1200.00")
    services.disbursement_reverse(
        actor=registry.finance, line=line, reason="错发", paid_on=timezone.localdate()
    )
    client.force_login(registry.caseworker_a)
    response = client.get(reverse("households:detail", args=[registry.household_a.pk]))
    page = response.content.decode()
    assert 'data-testid="household-ledger"' in page
    assert line.voucher_number in page
    assert "-1200.00" in page
    assert "2000.00" in page  # what is left under the cap: nothing net was received
