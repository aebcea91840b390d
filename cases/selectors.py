"""Reads of applications and notices that more than one page (or the dashboard) uses."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import services
from cases.calendar import WorkingDays
from cases.models import (
    Application,
    Kind,
    Notice,
    NoticeState,
    Objection,
    ObjectionState,
    State,
)
from helpcenter.duties import Duty, DutyConflict, ensure_separate_duties
from helpcenter.models import User, in_scope, union_scope
from households.choices import Health
from households.forms import HOUSEHOLD_FIELDS
from households.models import Household

# A registration's home-visit survey is due this many working days after submission.
SURVEY_WORKING_DAYS = 5
# The supervisor's inbox shows the notices that end within this many working days.
CLOSING_SOON_WORKING_DAYS = 2
SURVEY_STATES = services.SURVEY_STATES
# An objection about one application can be recorded while it is in notice or awaiting approval.
OBJECTABLE_STATES = {State.IN_NOTICE, State.AWAITING_APPROVAL}


# --- Inboxes --------------------------------------------------------------------------------------


def survey_due_cutoff(today: date) -> date:
    """The last submission date whose survey is due by `today`: an application submitted on or
    before it has `SURVEY_WORKING_DAYS` working days behind it
    (services.working_days_since(submitted_on, today=today) >= SURVEY_WORKING_DAYS), counted
    backwards from today over one load of the holiday table."""
    calendar = WorkingDays(today - timedelta(days=SURVEY_WORKING_DAYS * 2 + 30), today)
    probe, counted = today, 0
    while True:
        working, _known = calendar.is_working(probe)
        if working:
            counted += 1
            if counted == SURVEY_WORKING_DAYS:
                return probe - timedelta(days=1)
        probe -= timedelta(days=1)


def surveys_due(user: User, *, today: date | None = None) -> QuerySet[Application]:
    """Submitted registrations still without their home-visit survey after 5 working days."""
    cutoff = survey_due_cutoff(today or timezone.localdate())
    return Application.objects.visible_to(user).filter(
        kind=Kind.REGISTRATION,
        state=State.SUBMITTED,
        survey_on__isnull=True,
        submitted_on__lte=cutoff,
    )


def notices_closing_soon(user: User, *, today: date | None = None) -> QuerySet[Notice]:
    """Posted notices whose period ends within the next two working days (or has ended)."""
    today = today or timezone.localdate()
    horizon = services.notice_period_end(
        start=today + timedelta(days=1), working_days=CLOSING_SOON_WORKING_DAYS
    )
    return Notice.objects.visible_to(user).filter(state=NoticeState.PUBLISHED, end_on__lte=horizon)


def open_objections(user: User) -> QuerySet[Objection]:
    return Objection.objects.visible_to(user).filter(state=ObjectionState.OPEN)


def approved_relief_unpaid(user: User) -> QuerySet[Application]:
    """Approved relief applications: the entitlements finance pays. (The relief issue adds the
    payments; until then every approved relief application is still to be paid.)"""
    return Application.objects.visible_to(user).filter(kind=Kind.RELIEF, state=State.APPROVED)


def notices_with_counts(user: User) -> QuerySet[Notice]:
    """Notices with their listed applications (public) and the open objections `user` may read
    (Objection.visible_to: not those about another union's applicants)."""
    open_objections = Q(objections__state=ObjectionState.OPEN)
    if union_scope(user) is not None:  # county staff read every objection
        open_objections &= Q(objections__in=Objection.objects.visible_to(user))
    return (
        Notice.objects.visible_to(user)
        .select_related("union")
        .annotate(
            application_count=Count("applications", distinct=True),
            open_objection_count=Count("objections", filter=open_objections, distinct=True),
        )
    )


# --- What a person may do on a notice's page ------------------------------------------------------


@dataclass(frozen=True)
class NoticeListing:
    """One application on the notice page: `openable` when the viewer may open it (its own
    page, its state); otherwise only what the printed notice shows (name, union, programme,
    amount)."""

    application: Application
    openable: bool


def notice_page(user: User, notice: Notice) -> dict:
    """What the notice page offers `user`: the listed applications (with or without a link),
    and which notice-wide actions they may start, with the reason when a notice that spans
    unions is not theirs to act on as a whole (the services refuse the same)."""
    applications = notice.applications.select_related("union").order_by("union__code", "id")
    listings = [
        NoticeListing(application, in_scope(user, application.union_id))
        for application in applications
    ]
    whole = services.may_act_on_notice(user, notice)
    ours_open = any(
        listing.openable and listing.application.state in OBJECTABLE_STATES for listing in listings
    )
    awaiting = sum(
        listing.openable and listing.application.state == State.AWAITING_APPROVAL
        for listing in listings
    )
    supervises = user.has_perm("cases.publish_notice") or user.has_perm("cases.approve_application")
    return {
        "listings": listings,
        "awaiting_approval": awaiting,
        "may_publish": whole
        and notice.state == NoticeState.DRAFT
        and user.has_perm("cases.publish_notice"),
        "may_approve_all": whole
        and notice.state == NoticeState.CLOSED
        and awaiting > 0
        and user.has_perm("cases.approve_application"),
        "may_record_objection": user.has_perm("cases.add_objection")
        and notice.state != NoticeState.DRAFT
        and (whole or ours_open),
        "spans_unions_reason": ""
        if whole or not supervises
        else _(
            "This notice lists applicants of other unions: posting it, approving all its "
            "applications and recording an objection to the whole notice are for a supervisor "
            "of the county federation. You can act on your own union's applicants one by one."
        ),
    }


# --- What a person may do with one application -------------------------------------------------


def _may_take(user: User, application: Application, duty: str) -> bool:
    """Whether segregation of duties lets `user` review or approve this application (the same
    rule the services apply; here only to offer the buttons that can succeed)."""
    try:
        ensure_separate_duties(
            user_id=user.pk, duty=duty, done_by=services.duties_done(application)
        )
    except DutyConflict:
        return False
    return True


def application_actions(user: User, application: Application, *, open_objections: int) -> set:
    """The transitions `user` may start on `application` in its current state."""
    state = application.state
    actions = set()
    if user.has_perm("cases.change_application"):
        if state in services.EDITABLE_STATES:
            actions |= {"edit", "submit"}
        if state in SURVEY_STATES and application.kind == Kind.REGISTRATION:
            actions.add("survey")
    if (
        user.has_perm("cases.review_application")
        and state == State.SUBMITTED
        and _may_take(user, application, Duty.REVIEW)
    ):
        actions.add("review")
    if state in services.RETURNABLE:
        if user.has_perm("cases.return_application"):
            actions.add("return")
        if user.has_perm("cases.reject_application"):
            actions.add("reject")
    if (
        user.has_perm("cases.approve_application")
        and state == State.AWAITING_APPROVAL
        and not open_objections
        and _may_take(user, application, Duty.APPROVE)
    ):
        actions.add("approve")
    return actions


# --- A registration's proposed file, for reading ----------------------------------------------


def proposal_head(application: Application) -> dict:
    head = dict(application.proposal.get("head", {}))
    if head:
        head["health_label"] = dict(Health.choices).get(head.get("health"), head.get("health"))
    return head


def proposal_rows(application: Application) -> list[tuple[str, object]]:
    """The proposed household's fields as (label, value) in the registry's own words."""
    fields = application.proposal.get("fields", {})
    if not fields:
        return []
    household = Household(**{name: fields[name] for name in HOUSEHOLD_FIELDS if name in fields})
    rows = []
    for name in HOUSEHOLD_FIELDS:
        if name not in fields:
            continue
        field = Household._meta.get_field(name)
        if name == "causes":
            value = "、".join(str(label) for label in household.get_cause_labels())
        elif field.choices:
            value = getattr(household, f"get_{name}_display")()
        elif field.get_internal_type() == "BooleanField":
            value = _("Yes") if fields[name] else _("No")
        elif field.get_internal_type() == "DecimalField":
            value = f"{Decimal(fields[name]):.2f}"
        else:
            value = fields[name]
        rows.append((field.verbose_name, value if value not in ("", None) else "—"))
    return rows
