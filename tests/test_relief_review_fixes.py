"""Holes a review found in the money paths, each closed: a reversal cannot take an entitlement
off the bank sheet it waits on, a card retired after the sheet does not block the bank's return,
a month with a sheet at the bank cannot be closed, and bad input is refused in words, not 500."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from relief import bank, services
from relief.bank import BankError
from relief.models import BankSheetLine, ClosedMonth, Disbursement, EntitlementState, Method
from tests import test_relief_bank as bank_tests
from tests.test_relief_bank import NUMBERS, card_for, make_sheet, return_file

pytestmark = pytest.mark.django_db
queue = bank_tests.queue  # the bank tests' fixture: three entitlements, each household with a card
TODAY = timezone.localdate


def _cash(people, entitlement, amount):
    return services.disbursement_pay(
        actor=people.finance,
        entitlement=entitlement,
        method=Method.CASH,
        amount=Decimal(amount),
        paid_on=TODAY(),
        signed_by="张三",
    )


def test_a_line_of_an_entitlement_at_the_bank_is_not_reversed_until_the_return(queue):
    entitlement = queue.entitlements[0]  # 1,000 元
    first = _cash(queue, entitlement, "100.00")
    sheet = make_sheet(queue, [entitlement])
    lines = Disbursement.objects.count()
    with pytest.raises(services.ReliefError, match=sheet.number):
        services.disbursement_reverse(
            actor=queue.finance, line=first, reason="录错", paid_on=TODAY()
        )
    entitlement.refresh_from_db()
    assert entitlement.state == EntitlementState.ON_SHEET
    assert Disbursement.objects.count() == lines
    with pytest.raises(BankError):  # and it cannot go on a second sheet meanwhile
        make_sheet(queue, [entitlement])
    assert BankSheetLine.objects.filter(entitlement=entitlement).count() == 1


def test_a_card_retired_after_the_sheet_still_takes_the_banks_return(queue):
    sheet = make_sheet(queue)
    card_for(queue, queue.household_a, "6217000010099999999")  # retires the card on the sheet
    rows = [
        (i + 1, number[-4:], amount, "成功", "")
        for i, (number, amount) in enumerate(
            zip(NUMBERS, ["1000.00", "800.00", "600.00"], strict=True)
        )
    ]
    bank.bank_return_import(actor=queue.finance, sheet=sheet, file=return_file(rows))
    assert sorted(Disbursement.objects.values_list("amount", flat=True)) == [
        Decimal("600.00"),
        Decimal("800.00"),
        Decimal("1000.00"),
    ]


def test_a_month_with_a_sheet_at_the_bank_cannot_be_closed(queue):
    sheet = make_sheet(queue)
    with pytest.raises(services.ReliefError, match=sheet.number):
        services.month_close(actor=queue.finance, year=TODAY().year, month=TODAY().month)
    assert not ClosedMonth.objects.exists()


def test_a_line_number_that_is_not_a_number_refuses_the_return_in_words(queue):
    sheet = make_sheet(queue)
    with pytest.raises(BankError, match="NaN"):
        bank.bank_return_import(
            actor=queue.finance,
            sheet=sheet,
            file=return_file([("NaN", NUMBERS[0][-4:], "1000.00", "成功", "")]),
        )
    assert not Disbursement.objects.exists()


@pytest.mark.parametrize("amount", ["1e30", "99999999999.99", "NaN", "-Infinity"])
def test_absurd_amounts_are_refused_in_words(queue, client, amount):
    entitlement = queue.entitlements[0]
    with pytest.raises(services.ReliefError):
        _cash(queue, entitlement, amount)
    client.force_login(queue.finance)
    response = client.post(
        reverse("relief:pay", args=[entitlement.pk]),
        {"method": "cash", "amount": amount, "paid_on": TODAY().isoformat(), "signed_by": "张三"},
    )
    assert response.status_code == 200  # the form again, with the error
    assert not Disbursement.objects.exists()


def test_a_page_past_the_end_of_the_ledger_shows_the_last_page(queue, client):
    _cash(queue, queue.entitlements[0], "100.00")
    client.force_login(queue.finance)
    response = client.get(reverse("relief:ledger") + "?page=99999999999999999999")
    assert response.status_code == 200
    assert len(response.context["lines"]) == 1


def test_a_bad_application_id_on_the_decision_preview_is_a_404(registry, client):
    client.force_login(registry.caseworker_a)
    url = reverse("relief:application_preview", args=[registry.household_a.pk])
    assert client.get(url + "?application=abc").status_code == 404
    assert client.get(url + "?application=99999999999999999999").status_code == 404
    response = client.get(url + "?programme=99999999999999999999")
    assert response.status_code == 200
