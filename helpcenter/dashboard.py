"""Dashboard cards: each role sees the counts of its own work.

Each provider takes the user and returns the cards it has for them; apps add their providers
to CARD_PROVIDERS as they land (the registry's work queues, the approval inbox, payments due).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from helpcenter import selectors
from helpcenter.models import Role, Union, User


@dataclass(frozen=True)
class Card:
    title: str | Promise
    count: int
    unit: str | Promise
    url: str | None = None


def organisation_cards(user: User) -> list[Card]:
    unions = Union.objects.visible_to(user)
    return [
        Card(_("Unions in my scope"), unions.count(), _("unions"), reverse("org:union_list")),
        Card(_("Active staff in my scope"), selectors.staff_visible_to(user).count(), _("people")),
    ]


def administration_cards(user: User) -> list[Card]:
    if not user.has_role(Role.ADMINISTRATOR):
        return []
    return [
        Card(
            _("Accounts locked after failed logins"),
            selectors.locked_account_count(),
            _("accounts"),
            reverse("admin:axes_accessattempt_changelist"),
        ),
        Card(
            _("Active accounts without a role"),
            User.objects.filter(is_active=True, role_grants__isnull=True).count(),
            _("accounts"),
            reverse("admin:helpcenter_user_changelist"),
        ),
    ]


def _household_cards(user: User) -> list[Card]:
    from households.dashboard import household_cards

    return household_cards(user)


def _application_cards(user: User) -> list[Card]:
    from cases.dashboard import application_cards

    return application_cards(user)


CARD_PROVIDERS: list[Callable[[User], list[Card]]] = [
    _application_cards,
    _household_cards,
    organisation_cards,
    administration_cards,
]


def cards_for(user: User) -> list[Card]:
    return [card for provider in CARD_PROVIDERS for card in provider(user)]
