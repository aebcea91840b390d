"""Bank cards (实名制): the holder is a member of the household, the number is encrypted at rest
with only the last four digits in clear, and pages show it masked."""

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.urls import reverse

from households.choices import Relation
from households.models import HouseholdEvent, Member
from relief import cards
from relief.cards import CardError
from relief.models import BankAccount

pytestmark = pytest.mark.django_db

NUMBER = "6217000010012345678"


def spouse_of(household, name="王芳"):
    from tests.factories import _people

    return Member.objects.create(
        household=household,
        relation=Relation.SPOUSE,
        name=name,
        name_initials="wf",
        id_number=_people.resident_id(),
    )


def add_card(people, household=None, holder=None, number=NUMBER, actor=None):
    household = household or people.household_a
    return cards.bank_account_add(
        actor=actor or people.caseworker_a,
        household=household,
        holder=holder or household.head,
        bank_name="农村信用合作联社",
        card_number=number,
    )


# --- Numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "6217 0000 1001 2345 678",
        "６２１７００００１００１２３４５６７８",
        "6217-0000-1001-2345-678",
    ],
)
def test_card_numbers_are_normalised(raw):
    assert cards.card_clean(raw) == NUMBER


@pytest.mark.parametrize("raw", ["", "621700001001234", "62170000100123456789", "6217abcd10012345"])
def test_card_numbers_outside_16_to_19_digits_are_refused(raw):
    with pytest.raises(CardError):
        cards.card_clean(raw)


def test_encryption_round_trips_and_never_repeats():
    first, second = cards.card_encrypt(NUMBER), cards.card_encrypt(NUMBER)
    assert first != second
    assert NUMBER not in first
    assert cards.card_decrypt(first) == cards.card_decrypt(second) == NUMBER


def test_a_number_stored_under_another_key_is_refused_in_words(settings):
    token = cards.card_encrypt(NUMBER)
    settings.CARD_NUMBER_KEY = Fernet.generate_key().decode()
    with pytest.raises(CardError) as refusal:
        cards.card_decrypt(token)
    assert "CARD_NUMBER_KEY" in str(refusal.value)


# --- Recording a card ----------------------------------------------------------------------------


def test_a_card_is_stored_encrypted_with_only_the_last_four_in_clear(registry):
    account = add_card(registry, number="6217 0000 1001 2345 678")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT card_number_encrypted, card_last4 FROM relief_bankaccount WHERE id = %s",
            [account.pk],
        )
        stored, last4 = cursor.fetchone()
    assert NUMBER not in stored and "62170000" not in stored
    assert last4 == "5678"
    assert cards.card_decrypt(stored) == NUMBER
    assert account.masked == "**** **** **** 5678"
    assert account.holder == registry.household_a.head and account.active
    event = HouseholdEvent.objects.filter(household=registry.household_a).latest("pk")
    assert "5678" in event.note and NUMBER not in event.note


def test_a_spouse_may_hold_the_card(registry):
    spouse = spouse_of(registry.household_a)
    account = add_card(registry, holder=spouse)
    assert account.holder == spouse


def test_a_holder_outside_the_household_is_refused(registry):
    with pytest.raises(CardError) as refusal:
        add_card(registry, holder=registry.household_b.head)
    assert "实名制" in str(refusal.value)
    assert not BankAccount.objects.exists()


def test_a_card_of_another_unions_household_is_refused(registry):
    with pytest.raises(CardError):
        add_card(registry, actor=registry.caseworker_b)
    assert not BankAccount.objects.exists()


def test_a_new_card_retires_the_one_in_use(registry):
    old = add_card(registry)
    new = add_card(registry, number="6228480012345678")
    old.refresh_from_db()
    assert not old.active and new.active
    assert cards.active_card(registry.household_a) == new


def test_a_retired_card_stays_on_file(registry):
    account = add_card(registry)
    cards.bank_account_retire(actor=registry.finance, account=account)
    account.refresh_from_db()
    assert not account.active
    assert cards.active_card(registry.household_a) is None
    with pytest.raises(CardError):
        cards.bank_account_retire(actor=registry.finance, account=account)


# --- Pages ---------------------------------------------------------------------------------------


def test_a_caseworker_records_a_card_on_the_page_and_sees_it_masked(client, registry):
    household = registry.household_a
    client.force_login(registry.caseworker_a)
    url = reverse("relief:bank_account_add", kwargs={"pk": household.pk})
    response = client.post(
        url,
        {
            "holder": household.head.pk,
            "bank_name": "工商银行",
            "card_number": "６２１７ ００００ 1001 2345 678",
        },
    )
    assert response.status_code == 302
    account = BankAccount.objects.get()
    assert account.card_last4 == "5678" and account.created_by == registry.caseworker_a
    for page in (url, reverse("households:detail", kwargs={"pk": household.pk})):
        content = client.get(page).content.decode()
        assert "**** **** **** 5678" in content
        assert NUMBER not in content


def test_a_bad_number_is_shown_in_the_error_summary(client, registry):
    household = registry.household_a
    client.force_login(registry.finance)
    url = reverse("relief:bank_account_add", kwargs={"pk": household.pk})
    response = client.post(
        url, {"holder": household.head.pk, "bank_name": "工商银行", "card_number": "1234"}
    )
    assert response.status_code == 200
    assert 'data-testid="error-summary"' in response.content.decode()
    assert not BankAccount.objects.exists()


def test_a_member_of_another_household_cannot_be_chosen_on_the_page(client, registry):
    household = registry.household_a
    client.force_login(registry.caseworker_a)
    url = reverse("relief:bank_account_add", kwargs={"pk": household.pk})
    client.post(
        url,
        {"holder": registry.household_b.head.pk, "bank_name": "工商银行", "card_number": NUMBER},
    )
    assert not BankAccount.objects.exists()


def test_retiring_on_the_page(client, registry):
    account = add_card(registry)
    client.force_login(registry.caseworker_a)
    url = reverse(
        "relief:bank_account_retire",
        kwargs={"pk": registry.household_a.pk, "account_pk": account.pk},
    )
    assert client.post(url).status_code == 302
    account.refresh_from_db()
    assert not account.active


def test_another_unions_caseworker_gets_a_404(client, registry):
    account = add_card(registry)
    client.force_login(registry.caseworker_b)
    household = registry.household_a
    assert (
        client.get(reverse("relief:bank_account_add", kwargs={"pk": household.pk})).status_code
        == 404
    )
    url = reverse(
        "relief:bank_account_retire", kwargs={"pk": household.pk, "account_pk": account.pk}
    )
    assert client.post(url).status_code == 404
    account.refresh_from_db()
    assert account.active


# --- The key -------------------------------------------------------------------------------------


def test_without_card_number_key_the_key_is_derived_from_secret_key(settings):
    import base64
    import hashlib
    import os

    if os.environ.get("CARD_NUMBER_KEY"):
        pytest.skip("CARD_NUMBER_KEY is set in this environment")
    digest = hashlib.sha256(b"helpcenter card numbers\0" + settings.SECRET_KEY.encode()).digest()
    assert base64.urlsafe_b64encode(digest).decode() == settings.CARD_NUMBER_KEY


def test_a_card_number_key_that_is_not_a_fernet_key_stops_start_up():
    from tests.test_settings_env import start

    refused = start(CARD_NUMBER_KEY="not-a-key")
    assert refused.returncode != 0 and "CARD_NUMBER_KEY" in refused.stderr
    assert start(CARD_NUMBER_KEY=Fernet.generate_key().decode()).returncode == 0
