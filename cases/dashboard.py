"""The inboxes: each role opens the product onto its own queue of applications and notices."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases import selectors
from cases.forms import NoticeFilterForm
from cases.models import Application, Kind, NoticeState, State
from helpcenter.dashboard import Card
from helpcenter.models import Role, User

# What a card counts, after the number ("3 件"); a context of their own, apart from the models'
# plural names.
APPLICATIONS = pgettext_lazy("count unit", "applications")
NOTICES = pgettext_lazy("count unit", "notices")
OBJECTIONS = pgettext_lazy("count unit", "objections")


def _applications_url(**filters) -> str:
    return f"{reverse('cases:application_list')}?{urlencode(filters)}"


def _notices_url(**filters) -> str:
    return f"{reverse('cases:notice_list')}?{urlencode(filters)}"


def _in_state(user: User, state: str) -> int:
    return Application.objects.visible_to(user).filter(state=state).count()


def caseworker_cards(user: User) -> list[Card]:
    return [
        Card(
            _("Draft applications"),
            _in_state(user, State.DRAFT),
            APPLICATIONS,
            _applications_url(state=State.DRAFT),
        ),
        Card(
            _("Returned for changes"),
            _in_state(user, State.RETURNED),
            APPLICATIONS,
            _applications_url(state=State.RETURNED),
        ),
        Card(
            _("Home-visit surveys due (5 working days)"),
            selectors.surveys_due(user).count(),
            APPLICATIONS,
            _applications_url(survey_due="true"),
        ),
    ]


def supervisor_cards(user: User) -> list[Card]:
    return [
        Card(
            _("Applications to review"),
            _in_state(user, State.SUBMITTED),
            APPLICATIONS,
            _applications_url(state=State.SUBMITTED),
        ),
        Card(
            _("Notices closing within 2 working days"),
            selectors.notices_closing_soon(user).count(),
            NOTICES,
            _notices_url(state=NoticeState.PUBLISHED),
        ),
        Card(
            _("Awaiting approval"),
            _in_state(user, State.AWAITING_APPROVAL),
            APPLICATIONS,
            _applications_url(state=State.AWAITING_APPROVAL),
        ),
        Card(
            _("Open objections"),
            selectors.open_objections(user).count(),
            OBJECTIONS,
            _notices_url(objections=NoticeFilterForm.OPEN),
        ),
    ]


def finance_cards(user: User) -> list[Card]:
    return [
        Card(
            _("Approved relief not yet paid"),
            selectors.approved_relief_unpaid(user).count(),
            APPLICATIONS,
            _applications_url(state=State.APPROVED, kind=Kind.RELIEF),
        )
    ]


# A role → its inbox (a person with several roles sees each of them).
INBOXES = {
    Role.CASEWORKER: caseworker_cards,
    Role.SUPERVISOR: supervisor_cards,
    Role.FINANCE: finance_cards,
}


def application_cards(user: User) -> list[Card]:
    if not user.has_perm("cases.view_application"):
        return []
    return [card for role, cards in INBOXES.items() if user.has_role(role) for card in cards(user)]
