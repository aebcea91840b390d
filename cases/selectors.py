"""Reads of applications and notices that more than one page (or the dashboard) uses."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import printing, services
from cases.calendar import WorkingDays
from cases.models import (
    Application,
    Kind,
    Notice,
    NoticeRow,
    NoticeState,
    Objection,
    ObjectionState,
    State,
)
from helpcenter.errors import DomainError
from helpcenter.models import User, in_scope, union_scope
from households.choices import Category, Degree, Health, Relation, SchoolStage
from households.forms import HOUSEHOLD_FIELDS
from households.means_test import household_means_test
from households.models import Household
from households.selectors import document_checklist

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


@dataclass(frozen=True)
class NoticeLine:
    """One row of the notice as posted (or, for a draft, as it would be posted), with where its
    application stands now when the viewer may open that application (None otherwise: another
    union's row shows only the public text)."""

    row: NoticeRow
    application: Application | None


def notice_lines(user: User, notice: Notice) -> list[NoticeLine]:
    rows = printing.notice_rows(notice)
    if notice.state != NoticeState.DRAFT:
        applications = Application.objects.in_bulk([row.application_id for row in rows])
    else:
        applications = {row.application_id: row.application for row in rows}
    lines = []
    for row in rows:
        application = applications.get(row.application_id)
        if application is not None and not in_scope(user, application.union_id):
            application = None
        lines.append(NoticeLine(row, application))
    return lines


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
    lines = notice_lines(user, notice)
    return {
        "lines": lines,
        "show_amount": any(line.row.amount is not None for line in lines),
        "show_now": notice.state != NoticeState.DRAFT
        and any(line.application is not None for line in lines),
        "may_edit": whole
        and notice.state == NoticeState.DRAFT
        and user.has_perm("cases.change_notice"),
        "listings": listings,
        "awaiting_approval": awaiting,
        "may_publish": whole
        and notice.state == NoticeState.DRAFT
        and user.has_perm("cases.publish_notice"),
        # Shown disabled with this reason (a start date already past, no application left).
        "publish_refusal": publish_refusal(user, notice)
        if whole and notice.state == NoticeState.DRAFT
        else "",
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


def publish_refusal(user: User, notice: Notice) -> str:
    """Why `user` cannot post `notice` today ("" when they can): the service's own check."""
    return refusal(services.publish_check, actor=user, notice=notice, today=timezone.localdate())


def approve_all_refusal(user: User, notice: Notice, *, to_approve: list[Application]) -> str:
    """Why approving all on `notice` would do nothing for `user` ("" when it would approve
    `to_approve`, the first list of approval_preview)."""
    reason = refusal(services.approve_all_check, actor=user, notice=notice)
    if reason or to_approve:
        return reason
    return _(
        "Nothing can be approved now: every application awaiting approval is held, for the "
        "reason shown beside it."
    )


# --- What a person may do with one application -------------------------------------------------


def refusal(check: Callable[..., None], **arguments) -> str:
    """Why the service would refuse, in its own words (it asks the same `check`), or "" when it
    would go ahead: a page shows the action disabled with this reason instead of offering it."""
    try:
        check(**arguments)
    except DomainError as error:
        return error.message
    return ""


# The decisions on one application: the permission that offers it, the states it is shown in (in
# any other it is not) and the services' check that says whether it can succeed. Approval shows
# from the posting on, so an application an objection holds back in notice says so.
DECISIONS = {
    "review": ("cases.review_application", services.REVIEWABLE, services.review_check),
    "approve": (
        "cases.approve_application",
        {State.IN_NOTICE, *services.APPROVABLE},
        services.approval_check,
    ),
    "return": ("cases.return_application", services.RETURNABLE, services.return_check),
    "reject": ("cases.reject_application", services.RETURNABLE, services.reject_check),
}


def decision_refusal(user: User, application: Application, decision: str) -> str:
    """Why `user` cannot take `decision` on `application` now ("" when they can)."""
    return refusal(DECISIONS[decision][2], actor=user, application=application)


@dataclass(frozen=True)
class ApplicationActions:
    """`offered`: the transitions `user` can start and that can succeed; `blocked`: those that
    belong to the application's state but would be refused, each with the reason."""

    offered: set[str]
    blocked: dict[str, str]


# Who may edit an application of a kind whose own edit page asks for more than
# `cases.change_application` (a loan's terms and guarantors: the caseworkers, who file loans).
EDIT_PERMISSIONS = {Kind.LOAN: "relief.apply_loan"}


def application_actions(user: User, application: Application) -> ApplicationActions:
    state = application.state
    offered, blocked = set(), {}
    if user.has_perm("cases.change_application"):
        if state in services.EDITABLE_STATES:
            offered.add("submit")
            edit_permission = EDIT_PERMISSIONS.get(application.kind, "cases.change_application")
            if user.has_perm(edit_permission):
                offered.add("edit")
        if state in SURVEY_STATES and application.kind == Kind.REGISTRATION:
            offered.add("survey")
    for decision, (permission, states, _check) in DECISIONS.items():
        if not user.has_perm(permission) or state not in states:
            continue
        reason = decision_refusal(user, application, decision)
        if reason:
            blocked[decision] = reason
        else:
            offered.add(decision)
    return ApplicationActions(offered, blocked)


# --- What a decision rests on, shown on the page that asks for it --------------------------------


def decision_facts(application: Application) -> dict:
    """What a decision on `application` rests on: the means test with its reasons (on the family
    a registration proposes, else on the household's file), the proof checklist and the
    objections. (The home-visit survey is on the application itself.)"""
    household, documents = application.household, None
    if household is None:
        household = services.proposed_household(application)
        documents = application.documents.select_related("document_type", "uploaded_by")
    try:
        if application.household is None:
            means_test = services.registration_means_test(application)
        else:
            means_test = household_means_test(household=household, on=timezone.localdate())
        means_test_error = ""
    except DomainError as error:
        means_test, means_test_error = None, error.message
    return {
        "means_test": means_test,
        "means_test_error": means_test_error,
        "checklist": document_checklist(household, documents=documents),
        "objections": list(
            application.objections.select_related("notice", "recorded_by", "resolved_by")
        ),
    }


def approval_preview(user: User, notice: Notice) -> tuple[list[Application], list[tuple]]:
    """What approving all on `notice` would do for `user`: the applications that would be
    approved, and those held with the reason (an open objection, which keeps its application in
    notice; segregation of duties; another union's applicant) — each asked of
    services.approval_check, as the service asks it of each."""
    will, held = [], []
    pending = notice.applications.filter(state__in=[State.IN_NOTICE, State.AWAITING_APPROVAL])
    for application in pending.select_related("union").order_by("union__code", "id"):
        reason = refusal(services.approval_check, actor=user, application=application)
        if reason:
            held.append((application, reason))
        else:
            will.append(application)
    return will, held


# --- A registration's proposed file, for reading ----------------------------------------------


def proposal_head(application: Application) -> dict:
    head = dict(application.proposal.get("head", {}))
    if head:
        head["health_label"] = dict(Health.choices).get(head.get("health"), head.get("health"))
    return head


def proposal_members(application: Application) -> list[dict]:
    """The family members a registration lists, with their labels in the registry's words."""
    relations, healths = dict(Relation.choices), dict(Health.choices)
    stages = dict(SchoolStage.choices)
    return [
        {
            **member,
            "index": index,
            "relation_label": relations.get(member.get("relation"), member.get("relation")),
            "health_label": healths.get(member.get("health"), member.get("health")),
            "school_stage_label": stages.get(member.get("school_stage") or "", ""),
        }
        for index, member in enumerate(application.proposal.get("members", []))
    ]


def reviewed_means_test(application: Application) -> dict | None:
    """The means test as the reviewer saw it (kept at review; the notice shows it and approval
    records it as the file's first classification)."""
    reviewed = application.proposal.get("means_test")
    if not reviewed:
        return None
    label = str(Category(reviewed["category"]).label)
    if reviewed["degree"]:
        label = f"{label} · {Degree(reviewed['degree']).label}"
    return {**reviewed, "label": label}


def proposal_rows(application: Application) -> list[tuple[str, object]]:
    """The proposed household's fields as (label, value) in the registry's own words."""
    fields = application.proposal.get("fields", {})
    if not fields:
        return []
    if application.kind == Kind.REGISTRATION:
        fields = {**fields, "size": services.proposed_size(application.proposal)}
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
