"""A member who holds a bank card for relief stays on the file: removing them is refused in
words (the ledger's paper trail keeps the person), not a server error."""

import pytest

from households import services as household_services
from households.choices import Relation
from households.models import Member
from relief.cards import bank_account_add

pytestmark = pytest.mark.django_db


def test_removing_a_member_who_holds_a_bank_card_is_refused_and_nothing_changes(registry):
    household = registry.household_a
    spouse = Member.objects.create(
        household=household,
        relation=Relation.SPOUSE,
        name="王芳",
        name_initials="wf",
        id_number="110101199003070027",
    )
    bank_account_add(
        actor=registry.caseworker_a,
        household=household,
        holder=spouse,
        bank_name="农村信用社",
        card_number="6217 0000 1111 2222 333",
    )
    events = household.events.count()
    with pytest.raises(household_services.HouseholdError, match="王芳"):
        household_services.member_remove(actor=registry.caseworker_a, member=spouse, reason="外嫁")
    assert Member.objects.filter(pk=spouse.pk).exists()
    assert household.events.count() == events
