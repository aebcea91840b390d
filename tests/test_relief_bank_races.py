"""Two finance users at the same moment, on PostgreSQL (SQLite has no row locks: the services
marker skips these there): an entitlement goes on one sheet only, a return file is recorded
once, and two sheets of one day get different numbers."""

import pytest
from django.utils import timezone

from helpcenter.models import Role
from relief import bank, cards
from relief.bank import BankError
from relief.models import BankSheet, BankSheetLine, Disbursement, EntitlementState
from tests.factories import UserFactory
from tests.relief_bank_support import entitlement_for
from tests.test_household_races import run_together
from tests.test_relief_bank import return_file

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_to_pay(registry):
    people = registry
    people.finance2 = UserFactory(username="finance2", union=people.county, roles=[Role.FINANCE])
    people.entitlements = []
    for household, number in [
        (people.household_a, "6217000010012345678"),
        (people.household_b, "6228480012340001"),
    ]:
        cards.bank_account_add(
            actor=people.finance,
            household=household,
            holder=household.head,
            bank_name="农村信用合作联社",
            card_number=number,
        )
        people.entitlements.append(entitlement_for(people, household, "500.00"))
    return people


def test_one_entitlement_goes_on_one_sheet_only(two_to_pay):
    people = two_to_pay

    def make(actor):
        bank.bank_sheet_create(
            actor=actor, entitlements=people.entitlements, paid_on=timezone.localdate()
        )

    errors = run_together(lambda: make(people.finance), lambda: make(people.finance2))
    assert len(errors) == 1 and isinstance(errors[0], BankError)
    assert BankSheet.objects.count() == 1
    assert BankSheetLine.objects.count() == 2


def test_two_sheets_of_one_day_get_different_numbers(two_to_pay):
    people = two_to_pay
    first, second = people.entitlements

    def make(actor, entitlement):
        bank.bank_sheet_create(
            actor=actor, entitlements=[entitlement], paid_on=timezone.localdate()
        )

    errors = run_together(
        lambda: make(people.finance, first), lambda: make(people.finance2, second)
    )
    assert errors == []
    assert len(set(BankSheet.objects.values_list("number", flat=True))) == 2


def test_a_return_file_imported_twice_at_once_is_recorded_once(two_to_pay):
    people = two_to_pay
    sheet = bank.bank_sheet_create(
        actor=people.finance, entitlements=people.entitlements, paid_on=timezone.localdate()
    )
    rows = [(1, "5678", 500, "成功", ""), (2, "0001", 500, "成功", "")]

    def load(actor):
        bank.bank_return_import(actor=actor, sheet=sheet, file=return_file(rows))

    errors = run_together(lambda: load(people.finance), lambda: load(people.finance2))
    assert len(errors) == 1 and isinstance(errors[0], BankError)
    assert Disbursement.objects.count() == 2
    assert {e.state for e in type(people.entitlements[0]).objects.all()} == {EntitlementState.PAID}
