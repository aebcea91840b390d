"""Bank cards that relief is paid to (实名制): the number encrypted at rest, the holder a member
of the household.

Card numbers are encrypted with Fernet (AES-128-CBC with an HMAC) under the setting
`CARD_NUMBER_KEY`. When that variable is not set the key is derived from SECRET_KEY, so the demo
(`make run`) works without configuration; but then changing SECRET_KEY without setting
CARD_NUMBER_KEY to the old derived key makes every stored card number unreadable. Production
sets its own key (docs/operations.md) and keeps it apart from the data backups.

Only the last four digits are stored in clear; pages show the number masked. The full number
leaves the database decrypted only in the bank payment sheet (relief.bank), whose export is
logged.
"""

import re
import unicodedata

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from helpcenter.errors import DomainError
from helpcenter.models import User, in_scope
from households.models import EventAction, Household, Member
from households.services import record_event
from relief.models import BankAccount

_SEPARATORS = re.compile(r"[\s\-–—_]")
_DIGITS = re.compile(r"[0-9]{16,19}")


class CardError(DomainError):
    pass


def _fernet() -> Fernet:
    return Fernet(settings.CARD_NUMBER_KEY.encode())


def card_normalise(raw: object) -> str:
    """Full-width digits to half-width, without spaces or hyphens."""
    text = unicodedata.normalize("NFKC", str(raw or ""))
    return _SEPARATORS.sub("", text)


def card_clean(raw: object) -> str:
    """The card number as 16 to 19 digits, or CardError saying what to fix."""
    number = card_normalise(raw)
    if not number:
        raise CardError(_("Enter the bank card number."))
    if not _DIGITS.fullmatch(number):
        raise CardError(
            _(
                "A bank card number has 16 to 19 digits and nothing else; this one has "
                "%(count)s characters. Copy it again from the card."
            )
            % {"count": len(number)}
        )
    return number


def card_encrypt(raw: object) -> str:
    """The cleaned number, encrypted (a Fernet token as text)."""
    return _fernet().encrypt(card_clean(raw).encode()).decode()


def card_decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise CardError(
            _(
                "A stored card number cannot be read: the key (CARD_NUMBER_KEY or SECRET_KEY) "
                "has changed since it was entered. Restore the old key or enter the card again."
            )
        ) from None


def card_mask(last4: str) -> str:
    return f"**** **** **** {last4}"


@transaction.atomic
def bank_account_add(
    *, actor: User, household: Household, holder: Member, bank_name: str, card_number: str
) -> BankAccount:
    """Record a card held by a member of the household (实名制); it becomes the card relief is
    paid to (an earlier card of the household stays on file, retired)."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    if not in_scope(actor, household.union_id):
        raise CardError(_("This household is not in your union: you cannot record its card."))
    if holder.household_id != household.pk:
        raise CardError(
            _(
                "%(name)s is not a member of this household. Relief is paid by real name "
                "(实名制): the card must be held by a member; add the person to the family first."
            )
            % {"name": holder.name}
        )
    bank_name = (bank_name or "").strip()
    if not bank_name:
        raise CardError(_("Enter the bank (开户行)."))
    number = card_clean(card_number)
    BankAccount.objects.filter(household=household, active=True).update(active=False)
    account = BankAccount.objects.create(
        household=household,
        holder=holder,
        bank_name=bank_name,
        card_number_encrypted=_fernet().encrypt(number.encode()).decode(),
        card_last4=number[-4:],
        created_by=actor,
    )
    record_event(
        household=household,
        actor=actor,
        action=EventAction.UPDATED,
        note=_("Bank card recorded: %(bank)s %(card)s, held by %(name)s")
        % {"bank": bank_name, "card": card_mask(number[-4:]), "name": holder.name},
    )
    return account


@transaction.atomic
def bank_account_retire(*, actor: User, account: BankAccount) -> BankAccount:
    """Stop paying to a card (lost, closed). It stays on file: ledger lines point at it."""
    account = BankAccount.objects.select_for_update().select_related("household").get(pk=account.pk)
    if not in_scope(actor, account.household.union_id):
        raise CardError(_("This household is not in your union: you cannot change its card."))
    if not account.active:
        raise CardError(_("This card is already retired."))
    account.active = False
    account.save(update_fields=["active"])
    record_event(
        household=account.household,
        actor=actor,
        action=EventAction.UPDATED,
        note=_("Bank card retired: %(bank)s %(card)s")
        % {"bank": account.bank_name, "card": account.masked},
    )
    return account


def active_card(household: Household) -> BankAccount | None:
    return household.bank_accounts.filter(active=True).select_related("holder").first()
