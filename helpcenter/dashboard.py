"""Dashboard cards: each role sees the counts of its own work; and charts of the key figures.

Each provider takes the user and returns the cards it has for them; apps add their providers
to CARD_PROVIDERS as they land (the registry's work queues, the approval inbox, payments due).
Chart providers work the same way (CHART_PROVIDERS, filled by reports.apps): each returns the
charts it has for the user, drawn for the user's scope.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from helpcenter import selectors
from helpcenter.models import Union, User


@dataclass(frozen=True)
class Card:
    title: str | Promise
    count: int
    unit: str | Promise
    url: str | None = None


@dataclass(frozen=True)
class Chart:
    """An SVG chart (reports.charts) with a line of figures under it and a link to the details."""

    svg: SafeString
    note: str | Promise = ""
    url: str | None = None
    link_text: str | Promise = ""


def organisation_cards(user: User) -> list[Card]:
    unions = Union.objects.visible_to(user)
    return [
        Card(_("Unions in my scope"), unions.count(), _("union(s)"), reverse("org:union_list")),
        Card(_("Active staff in my scope"), selectors.staff_visible_to(user).count(), _("people")),
    ]


def administration_cards(user: User) -> list[Card]:
    """The login log is the county's; accounts are counted within the administrator's scope."""
    cards = []
    if user.has_perm("axes.view_accessattempt"):
        cards.append(
            Card(
                _("Accounts locked after failed logins"),
                selectors.locked_account_count(),
                _("accounts"),
                reverse("admin:axes_accessattempt_changelist"),
            )
        )
    if user.has_perm("helpcenter.view_user"):
        cards.append(
            Card(
                _("Active accounts without a role"),
                selectors.staff_visible_to(user).filter(role_grants__isnull=True).count(),
                _("accounts"),
                reverse("admin:helpcenter_user_changelist"),
            )
        )
    return cards


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


CHART_PROVIDERS: list[Callable[[User], list[Chart]]] = []


def charts_for(user: User) -> list[Chart]:
    return [chart for provider in CHART_PROVIDERS for chart in provider(user)]
