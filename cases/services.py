"""The workflow of applications and public notices (申请 → 审核 → 公示 → 审批).

Each transition is one service: it locks the row, checks the current state and who acts
(segregation of duties: filer ≠ reviewer ≠ approver), changes the state and records the step.
A refusal raises CaseError with a message staff can act on, and changes nothing.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.calendar import notice_period
from cases.models import (
    Application,
    ApplicationStep,
    Kind,
    Notice,
    NoticeState,
    Objection,
    ObjectionState,
    State,
)
from helpcenter.duties import Duty, ensure_separate_duties
from helpcenter.errors import DomainError
from helpcenter.models import Role, Union, User, in_scope
from households import resident_ids
from households import services as household_services
from households.choices import Cause, Status
from households.models import Household

if TYPE_CHECKING:
    from households.importing import PlannedHousehold

EDITABLE_STATES = {State.DRAFT, State.RETURNED}
MAX_WORKING_DAYS = 30
# A home visit older than this no longer shows the family as it is; a notice's start date is
# within this of the day it is prepared (a later posting still refuses a start already past).
SURVEY_MAX_AGE = timedelta(days=366)
NOTICE_START_RANGE = timedelta(days=366)
DECIMAL_FIELDS = {"monthly_income", "monthly_rigid_expenses", "annual_hardship_costs"}


class CaseError(DomainError):
    pass


def notice_period_end(*, start: date, working_days: int) -> date:
    """The one place a notice's end date is computed (the notice page and the beat task use it)."""
    return notice_period(start=start, working_days=working_days).end


def working_days_since(day: date, *, today: date) -> int:
    """Working days from `day` (exclusive) up to `today` (inclusive)."""
    if today <= day:
        return 0
    period_days = 0
    probe = day + timedelta(days=1)
    while probe <= today:
        if notice_period(start=probe, working_days=1).end == probe:
            period_days += 1
        probe += timedelta(days=1)
    return period_days


# --- Steps and locks --------------------------------------------------------------------------


def _step(
    application: Application, *, actor: User | None, to_state: str, comment: str = ""
) -> None:
    from_state = application.state
    application.state = to_state
    ApplicationStep.objects.create(
        application=application,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
    )


def _filed(application: Application, *, actor: User) -> None:
    ApplicationStep.objects.create(
        application=application,
        actor=actor,
        from_state="",
        to_state=State.DRAFT,
        comment=_("Filed"),
    )


def _locked(application: Application, allowed: set[str], action: str) -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.state not in allowed:
        raise CaseError(
            _("This application is %(state)s, so it cannot be %(action)s.")
            % {"state": application.get_state_display(), "action": action}
        )
    return application


SURVEY_STATES = {State.DRAFT, State.RETURNED, State.SUBMITTED}


def duties_done(application: Application) -> dict[str, list[int | None]]:
    """Who filed (or later edited, surveyed or submitted), who ever reviewed, and who decided:
    read from the trail, so a return does not wipe a reviewer and an editor counts as a filer."""
    filers, reviewers = {application.filed_by_id}, set()
    for actor_id, from_state, to_state in application.steps.values_list(
        "actor_id", "from_state", "to_state"
    ):
        if to_state in (State.DRAFT, State.SUBMITTED) or from_state == to_state == State.RETURNED:
            filers.add(actor_id)
        elif to_state == State.REVIEWED:
            reviewers.add(actor_id)
    return {
        Duty.FILE: list(filers),
        Duty.REVIEW: list(reviewers),
        Duty.APPROVE: [application.decided_by_id],
    }


def _require_role(actor: User, *roles: str) -> None:
    """The services check who acts, not only the pages: a supervisor decides."""
    if not actor.has_role(*roles):
        labels = "、".join(str(Role(role).label) for role in roles)
        raise CaseError(_("Only a %(roles)s may do this.") % {"roles": labels})


def _required(text: str, message: str) -> str:
    if not (text or "").strip():
        raise CaseError(message)
    return text.strip()


# --- Scope: each action checks the object it touches, not only the notice it came through ------


def _ensure_in_scope(actor: User, application: Application) -> None:
    """An action on one application (or an objection about it) needs that application's union
    within the actor's scope (helpcenter.models.in_scope: the one rule of visibility)."""
    if not in_scope(actor, application.union_id):
        raise CaseError(
            _(
                "This application belongs to another union: ask a supervisor of that union or "
                "of the county federation to do this."
            )
        )


def may_act_on_notice(user: User, notice: Notice) -> bool:
    """Whether `user` may act on `notice` as a whole (post it, approve all, record or resolve an
    objection to the whole notice): its union and every application it lists are within their
    scope (Notice.objects.wholly_visible_to). A notice that spans unions is county staff's."""
    return Notice.objects.wholly_visible_to(user).filter(pk=notice.pk).exists()


def _ensure_acts_on_notice(actor: User, notice: Notice) -> None:
    if not may_act_on_notice(actor, notice):
        raise CaseError(
            _(
                "This notice lists applicants of other unions: only a supervisor of the county "
                "federation can do this. Ask one to do it."
            )
        )


# --- Filing -----------------------------------------------------------------------------------


def _jsonable(values: dict) -> dict:
    result = {}
    for name, value in values.items():
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, date):
            value = value.isoformat()
        result[name] = value
    return result


@transaction.atomic
def application_file_registration(
    *,
    actor: User,
    union: Union,
    head_name: str,
    head_id_number: str,
    head_health: str,
    reason: str,
    fields: dict,
) -> Application:
    """建档申请: a draft with the proposed file; the file itself is registered on approval."""
    number = resident_ids.clean(head_id_number)
    household_services.ensure_not_registered(id_numbers=[number], actor=actor)
    _ensure_no_pending_registration(number, actor=actor)
    application = Application.objects.create(
        kind=Kind.REGISTRATION,
        union=union,
        applicant_name=head_name.strip(),
        reason=_required(reason, _("State why the family needs help.")),
        proposal={
            "head": {"name": head_name.strip(), "id_number": number, "health": head_health},
            "fields": _jsonable(fields),
        },
        filed_by=actor,
    )
    _filed(application, actor=actor)
    return application


def _ensure_no_pending_registration(
    number: str, *, actor: User, except_pk: int | None = None
) -> None:
    """One person, one registration under way: a second is refused while the first is pending."""
    refusal = registration_refusals(id_numbers=[number], actor=actor, except_pk=except_pk)
    if refusal:
        raise CaseError(refusal[number])


def registration_refusals(
    *, id_numbers: Iterable[str], actor: User, except_pk: int | None = None
) -> dict[str, str]:
    """Who among `id_numbers` is the head or a listed member of a registration still under way,
    with the refusal to give each (an import checks a whole workbook at once)."""
    wanted = set(id_numbers)
    pending = (
        Application.objects.filter(kind=Kind.REGISTRATION)
        .exclude(state__in=[State.APPROVED, State.REJECTED])
        .exclude(pk=except_pk)
        .select_related("union")
        .only("proposal", "state", "union__name")
    )
    found: dict[str, tuple[Application, str]] = {}
    for application in pending.iterator(chunk_size=500):
        proposal = application.proposal
        for person in [proposal.get("head") or {}, *proposal.get("members", [])]:
            number = person.get("id_number")
            if number in wanted and number not in found:
                found[number] = (application, person.get("name", ""))
    visible = set(
        Application.objects.visible_to(actor)
        .filter(pk__in={application.pk for application, _name in found.values()})
        .values_list("pk", flat=True)
    )
    refusals = {}
    for number, (application, name) in found.items():
        if application.pk in visible:
            refusals[number] = _(
                "%(name)s already has a registration application under way (%(union)s, %(state)s)."
            ) % {
                "name": name,
                "union": application.union.name,
                "state": application.get_state_display(),
            }
        else:
            refusals[number] = _(
                "The person with ID %(masked)s already has a registration under way in another "
                "union."
            ) % {"masked": resident_ids.mask(number)}
    return refusals


@transaction.atomic
def applications_file_from_import(
    *, actor: User, families: list["PlannedHousehold"], source_name: str
) -> list[Application]:
    """建档申请 for the new families of an Excel import, one draft each: the head, the members
    and the workbook's fields in the proposal, the first step naming the workbook. The import
    has checked the people (nobody registered or under way) and the fields; the filer checks
    each draft, records the home visit and submits it."""
    comment = _(
        "Filed by import from %(file)s: check it, record the home visit, then submit it."
    ) % {"file": source_name or "Excel"}
    applications = [
        Application(
            kind=Kind.REGISTRATION,
            union=family.union,
            applicant_name=family.head.data.name,
            reason=_imported_reason(family.values, source_name),
            proposal={
                "head": _jsonable(
                    {k: v for k, v in family.head.data.values().items() if k != "relation"}
                ),
                "members": [_jsonable(member.data.values()) for member in family.members],
                "fields": _jsonable(family.values),
            },
            filed_by=actor,
        )
        for family in families
    ]
    Application.objects.bulk_create(applications, batch_size=500)
    ApplicationStep.objects.bulk_create(
        [
            ApplicationStep(
                application=application,
                actor=actor,
                from_state="",
                to_state=State.DRAFT,
                comment=comment,
            )
            for application in applications
        ],
        batch_size=500,
    )
    return applications


def _imported_reason(fields: dict, source_name: str) -> str:
    """Why the family needs help, from the workbook's own words where it has them."""
    for name in ("hardship_cause_notes", "family_situation"):
        if (fields.get(name) or "").strip():
            return fields[name].strip()
    if fields.get("causes"):
        causes = "、".join(str(Cause(cause).label) for cause in fields["causes"])
        return _("Causes of hardship: %(causes)s") % {"causes": causes}
    return _("Imported from %(file)s: state why the family needs help.") % {
        "file": source_name or "Excel"
    }


@transaction.atomic
def application_file_for_household(
    *,
    actor: User,
    household: Household,
    kind: str,
    reason: str,
    programme: str = "",
    requested_amount: Decimal | None = None,
    follow_up_on: date | None = None,
) -> Application:
    """救助申请 or a proposal to exit or remove a registered file."""
    if household.status != Status.REGISTERED:
        raise CaseError(_("Only a registered household can be the subject of an application."))
    if kind == Kind.RELIEF and (
        not programme.strip() or not requested_amount or requested_amount <= 0
    ):
        raise CaseError(
            _("A relief application names its programme and a requested amount above 0.")
        )
    if kind == Kind.EXIT and follow_up_on is None:
        raise CaseError(_("An exit proposal sets a follow-up visit after today."))
    if kind == Kind.EXIT:
        household_services.ensure_follow_up_date(follow_up_on)
    application = Application.objects.create(
        kind=kind,
        union=household.union,
        household=household,
        applicant_name=household.head.name if household.head else household.file_number,
        reason=_required(reason, _("State the reason; it is kept in the file.")),
        programme=programme.strip(),
        requested_amount=requested_amount,
        proposal={"follow_up_on": follow_up_on.isoformat()} if follow_up_on else {},
        filed_by=actor,
    )
    _filed(application, actor=actor)
    return application


@transaction.atomic
def application_record_survey(
    *,
    actor: User,
    application: Application,
    survey_on: date,
    visitors: str,
    findings: str,
    authorised: bool,
) -> Application:
    """入户调查 of a registration: required before review passes."""
    application = _locked(application, SURVEY_STATES, _("given a survey now"))
    earliest = timezone.localdate() - SURVEY_MAX_AGE
    if not earliest <= survey_on <= timezone.localdate():
        raise CaseError(
            _(
                "Date the home visit on the day it was made: from %(earliest)s to today. An older "
                "visit no longer shows the family as it is: visit again."
            )
            % {"earliest": earliest.isoformat()}
        )
    application.survey_on = survey_on
    application.survey_visitors = _required(visitors, _("Name who made the home visit."))
    application.survey_findings = _required(findings, _("Write what the home visit found."))
    application.income_check_authorised = authorised
    application.save()
    ApplicationStep.objects.create(
        application=application,
        actor=actor,
        from_state=application.state,
        to_state=application.state,
        comment=_("Home-visit survey recorded (%(day)s)") % {"day": survey_on.isoformat()},
    )
    return application


@transaction.atomic
def application_update(
    *,
    actor: User,
    application: Application,
    reason: str,
    head: dict | None = None,
    fields: dict | None = None,
    programme: str | None = None,
    requested_amount: Decimal | None = None,
    follow_up_on: date | None = None,
) -> Application:
    """Change a draft or returned application; one in notice must be returned first."""
    application = _locked(application, EDITABLE_STATES, _("edited (return it first)"))
    application.reason = _required(reason, _("State the reason; it is kept in the file."))
    proposal = dict(application.proposal)
    if head is not None:
        number = resident_ids.clean(head["id_number"])
        household_services.ensure_not_registered(id_numbers=[number], actor=actor)
        _ensure_no_pending_registration(number, actor=actor, except_pk=application.pk)
        proposal["head"] = {**head, "name": head["name"].strip(), "id_number": number}
        application.applicant_name = proposal["head"]["name"]
    if fields is not None:
        proposal["fields"] = _jsonable(fields)
    if follow_up_on is not None:
        household_services.ensure_follow_up_date(follow_up_on)
        proposal["follow_up_on"] = follow_up_on.isoformat()
    if programme is not None:
        application.programme = programme.strip()
    if requested_amount is not None:
        application.requested_amount = requested_amount
    application.proposal = proposal
    application.save()
    ApplicationStep.objects.create(
        application=application,
        actor=actor,
        from_state=application.state,
        to_state=application.state,
        comment=_("Edited: %(reason)s") % {"reason": application.reason[:100]},
    )
    return application


@transaction.atomic
def application_submit(*, actor: User, application: Application) -> Application:
    application = _locked(application, EDITABLE_STATES, _("submitted"))
    application.submitted_on = timezone.localdate()
    _step(application, actor=actor, to_state=State.SUBMITTED)
    application.save()
    return application


# --- Review, return, reject -------------------------------------------------------------------


@transaction.atomic
def application_review(*, actor: User, application: Application, comment: str = "") -> Application:
    _require_role(actor, Role.SUPERVISOR)
    application = _locked(application, {State.SUBMITTED}, _("reviewed"))
    _ensure_in_scope(actor, application)
    ensure_separate_duties(user_id=actor.pk, duty=Duty.REVIEW, done_by=duties_done(application))
    if application.kind == Kind.REGISTRATION and not (
        application.survey_on and application.income_check_authorised
    ):
        raise CaseError(
            _(
                "The home-visit survey with the signed authorisation for income checks is "
                "missing: record it before the review."
            )
        )
    application.reviewed_by = actor
    _step(application, actor=actor, to_state=State.REVIEWED, comment=comment.strip())
    application.save()
    return application


RETURNABLE = {State.SUBMITTED, State.REVIEWED, State.IN_NOTICE, State.AWAITING_APPROVAL}


@transaction.atomic
def application_return(*, actor: User, application: Application, reason: str) -> Application:
    """退回: back to the filer for changes, with the reason; it leaves its notice."""
    _require_role(actor, Role.SUPERVISOR)
    reason = _required(reason, _("Tell the filer what to change."))
    application = _locked(application, RETURNABLE, _("returned"))
    _ensure_in_scope(actor, application)
    if application.objections.filter(state=ObjectionState.OPEN).exists():
        raise CaseError(_("An open objection holds this application: resolve it first."))
    application.notice = None
    application.reviewed_by = None
    application.decision_reason = reason
    _step(application, actor=actor, to_state=State.RETURNED, comment=reason)
    application.save()
    return application


@transaction.atomic
def application_reject(*, actor: User, application: Application, reason: str) -> Application:
    """A rejection states a reason the applicant can be told."""
    _require_role(actor, Role.SUPERVISOR)
    reason = _required(reason, _("State a reason the applicant can be told."))
    application = _locked(application, RETURNABLE, _("rejected"))
    _ensure_in_scope(actor, application)
    application.decided_by = actor
    application.decision_reason = reason
    _step(application, actor=actor, to_state=State.REJECTED, comment=reason)
    application.save()
    return application


# --- The public notice --------------------------------------------------------------------------


@transaction.atomic
def notice_create(
    *,
    actor: User,
    union: Union,
    title: str,
    place: str,
    contact: str,
    start_on: date,
    working_days: int,
    applications: list[Application],
    show_masked_ids: bool = False,
) -> Notice:
    """Gather reviewed applications into a notice being prepared."""
    _require_role(actor, Role.SUPERVISOR)
    if not applications:
        raise CaseError(_("A notice lists at least one reviewed application."))
    if not 1 <= working_days <= MAX_WORKING_DAYS:
        raise CaseError(
            _("A notice lasts from 1 to %(most)d working days.") % {"most": MAX_WORKING_DAYS}
        )
    today = timezone.localdate()
    if not today - NOTICE_START_RANGE <= start_on <= today + NOTICE_START_RANGE:
        raise CaseError(
            _("A notice starts within a year of today: from %(earliest)s to %(latest)s.")
            % {
                "earliest": (today - NOTICE_START_RANGE).isoformat(),
                "latest": (today + NOTICE_START_RANGE).isoformat(),
            }
        )
    ids = [application.pk for application in applications]
    listed_unions = Application.objects.filter(pk__in=ids).values_list("union_id", flat=True)
    if not all(in_scope(actor, union_id) for union_id in {union.pk, *listed_unions}):
        raise CaseError(
            _(
                "You can list only your own union's applications on a notice of your own union: "
                "ask a supervisor of the county federation to prepare a notice that spans unions."
            )
        )
    notice = Notice.objects.create(
        title=_required(title, _("Give the notice a title.")),
        union=union,
        place=_required(place, _("Say where the notice is posted.")),
        contact=_required(contact, _("Give a contact for objections.")),
        start_on=start_on,
        working_days=working_days,
        show_masked_ids=show_masked_ids,
        created_by=actor,
    )
    claimed = Application.objects.filter(pk__in=ids, state=State.REVIEWED, notice=None).update(
        notice=notice
    )
    if claimed != len(ids):
        raise CaseError(_("Only reviewed applications that are in no other notice can be listed."))
    return notice


@transaction.atomic
def notice_publish(*, actor: User, notice: Notice, today: date | None = None) -> Notice:
    """Post the notice: its end date is computed in working days; its applications are in notice.
    It cannot start before the day it is posted: the public must have the whole period."""
    _require_role(actor, Role.SUPERVISOR)
    today = today or timezone.localdate()
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.state != NoticeState.DRAFT:
        raise CaseError(_("This notice has already been posted."))
    _ensure_acts_on_notice(actor, notice)
    if notice.start_on < today:
        raise CaseError(
            _(
                "The notice starts on %(start)s, before today: the public would not have the "
                "whole period. Set the start date to today or later."
            )
            % {"start": notice.start_on.isoformat()}
        )
    applications = list(notice.applications.select_for_update().filter(state=State.REVIEWED))
    if not applications:
        raise CaseError(_("A notice with no application cannot be posted."))
    period = notice_period(start=notice.start_on, working_days=notice.working_days)
    notice.end_on = period.end
    notice.calendar_note = _calendar_note(period)
    notice.state = NoticeState.PUBLISHED
    notice.published_at = timezone.now()
    notice.save()
    for application in applications:
        _step(application, actor=actor, to_state=State.IN_NOTICE, comment=notice.title)
        application.save(update_fields=["state"])
    return notice


def _calendar_note(period) -> str:
    if period.fully_known:
        return ""
    days = "、".join(f"{day:%Y-%m-%d}" for day in period.guessed_days)
    return _(
        "No holiday schedule is on record for %(days)s: these days were counted as working days "
        "from Monday to Friday. An administrator can enter the official schedule under "
        "Administration → Holidays and adjusted working days."
    ) % {"days": days}


def notice_close(*, notice: Notice, today: date | None = None, actor: User | None = None) -> bool:
    """After the last day: applications without an open objection await approval, and the
    notice is archived with its PDF. Safe to run twice and from several workers: the first to
    claim the notice closes it. Returns whether this call closed it."""
    today = today or timezone.localdate()
    with transaction.atomic():
        claimed = Notice.objects.filter(
            pk=notice.pk, state=NoticeState.PUBLISHED, end_on__lt=today
        ).update(state=NoticeState.CLOSED, closed_at=timezone.now())
        if not claimed:
            return False
        notice = Notice.objects.get(pk=notice.pk)
        for application in notice.applications.select_for_update().filter(state=State.IN_NOTICE):
            if not application.objections.filter(state=ObjectionState.OPEN).exists():
                _step(
                    application,
                    actor=actor,
                    to_state=State.AWAITING_APPROVAL,
                    comment=_("Notice period ended"),
                )
                application.save(update_fields=["state"])
        _archive_pdf(notice)
    return True


def notices_close_due(*, today: date | None = None) -> int:
    """The daily task: close every posted notice whose period has ended."""
    today = today or timezone.localdate()
    due = Notice.objects.filter(state=NoticeState.PUBLISHED, end_on__lt=today)
    return sum(notice_close(notice=notice, today=today) for notice in due)


def _archive_pdf(notice: Notice) -> None:
    from django.core.files.base import ContentFile

    from cases.printing import notice_pdf

    notice.archived_pdf.save(f"notice-{notice.pk}.pdf", ContentFile(notice_pdf(notice)), save=False)
    Notice.objects.filter(pk=notice.pk).update(archived_pdf=notice.archived_pdf.name)


# --- Objections ---------------------------------------------------------------------------------


def _ensure_received_while_posted(received_at: datetime, *, notice: Notice) -> None:
    """An objection is received on or after the day the notice was posted, and not later than
    now (the day, not the minute: the form's time has no seconds)."""
    posted_on = timezone.localdate(notice.published_at) if notice.published_at else notice.start_on
    if not posted_on <= timezone.localdate(received_at) or received_at > timezone.now():
        raise CaseError(
            _(
                "Enter when the objection was received: from the day the notice was posted "
                "(%(posted)s) up to now."
            )
            % {"posted": posted_on.isoformat()}
        )


@transaction.atomic
def objection_record(
    *,
    actor: User,
    notice: Notice,
    channel: str,
    received_at: datetime,
    content: str,
    raised_by: str = "",
    application: Application | None = None,
) -> Objection:
    _require_role(actor, Role.SUPERVISOR)
    notice = Notice.objects.get(pk=notice.pk)
    if notice.state == NoticeState.DRAFT:
        raise CaseError(_("Objections are recorded against a posted notice."))
    _ensure_received_while_posted(received_at, notice=notice)
    if application is None:
        _ensure_acts_on_notice(actor, notice)
    else:
        application = Application.objects.select_for_update().get(pk=application.pk)
        _ensure_in_scope(actor, application)
    if application is not None and application.notice_id != notice.pk:
        raise CaseError(_("That application is not on this notice."))
    if application is not None and application.state not in {
        State.IN_NOTICE,
        State.AWAITING_APPROVAL,
    }:
        raise CaseError(_("That application is no longer waiting for a decision."))
    objection = Objection.objects.create(
        notice=notice,
        application=application,
        channel=channel,
        received_at=received_at,
        content=_required(content, _("Write down what the objection says.")),
        raised_by=raised_by.strip(),
        recorded_by=actor,
    )
    if application is not None:
        if application.state == State.AWAITING_APPROVAL:
            _step(
                application,
                actor=actor,
                to_state=State.IN_NOTICE,
                comment=_("Held by an objection"),
            )
            application.save(update_fields=["state"])
        else:
            ApplicationStep.objects.create(
                application=application,
                actor=actor,
                from_state=application.state,
                to_state=application.state,
                comment=_("Objection recorded: %(content)s") % {"content": objection.content[:100]},
            )
    return objection


@transaction.atomic
def objection_resolve(
    *, actor: User, objection: Objection, upheld: bool, note: str, outcome: str = State.REJECTED
) -> Objection:
    """Upheld: the application is rejected or returned. Dismissed: it goes on (to approval, if
    its notice has closed and nothing else holds it)."""
    _require_role(actor, Role.SUPERVISOR)
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.state != ObjectionState.OPEN:
        raise CaseError(_("This objection has already been resolved."))
    if objection.application_id is None:
        _ensure_acts_on_notice(actor, objection.notice)
    else:
        _ensure_in_scope(actor, objection.application)
    note = _required(note, _("Write down what the investigation found."))
    objection.state = ObjectionState.UPHELD if upheld else ObjectionState.DISMISSED
    objection.resolution_note, objection.resolved_by, objection.resolved_at = (
        note,
        actor,
        timezone.now(),
    )
    objection.save()
    application = objection.application
    if application is None:
        return objection
    if upheld:
        resolve = application_reject if outcome == State.REJECTED else application_return
        resolve(actor=actor, application=application, reason=note)
        return objection
    application = Application.objects.select_for_update().get(pk=application.pk)
    still_held = application.objections.filter(state=ObjectionState.OPEN).exists()
    if (
        application.state == State.IN_NOTICE
        and application.notice.state == NoticeState.CLOSED
        and not still_held
    ):
        _step(application, actor=actor, to_state=State.AWAITING_APPROVAL, comment=note)
        application.save(update_fields=["state"])
    return objection


# --- Approval -----------------------------------------------------------------------------------


@transaction.atomic
def application_approve(*, actor: User, application: Application, comment: str = "") -> Application:
    """Approve one application awaiting approval: registering the file, ending it, or approving
    the relief that finance then pays."""
    _require_role(actor, Role.SUPERVISOR)
    application = _locked(application, {State.AWAITING_APPROVAL}, _("approved"))
    _ensure_in_scope(actor, application)
    ensure_separate_duties(user_id=actor.pk, duty=Duty.APPROVE, done_by=duties_done(application))
    if application.objections.filter(state=ObjectionState.OPEN).exists():
        raise CaseError(_("An open objection holds this application: resolve it first."))
    if Objection.objects.filter(
        notice_id=application.notice_id, application=None, state=ObjectionState.OPEN
    ).exists():
        raise CaseError(
            _("An open objection to the whole notice holds its applications: resolve it first.")
        )
    _carry_out(application, actor=actor)
    application.decided_by = actor
    _step(application, actor=actor, to_state=State.APPROVED, comment=comment.strip())
    application.save()
    return application


def _proposed_fields(application: Application) -> dict:
    fields = dict(application.proposal.get("fields", {}))
    for name in DECIMAL_FIELDS & fields.keys():
        fields[name] = Decimal(fields[name])
    return fields


def _proposed_member(values: dict) -> household_services.MemberData:
    """A person of the proposal (the head, or a member an import brought)."""
    values = dict(values)
    if "monthly_income" in values:
        values["monthly_income"] = Decimal(values["monthly_income"])
    return household_services.MemberData(**values)


def proposed_household(application: Application) -> Household:
    """The file a registration proposes, unsaved (for the means test on the notice)."""
    return Household(union=application.union, **_proposed_fields(application))


def _carry_out(application: Application, *, actor: User) -> None:
    if application.kind == Kind.REGISTRATION:
        application.household = household_services.household_register(
            actor=actor,
            union=application.union,
            head=_proposed_member(application.proposal["head"]),
            members=[_proposed_member(m) for m in application.proposal.get("members", [])],
            **_proposed_fields(application),
        )
    elif application.kind == Kind.EXIT:
        household_services.household_exit(
            actor=actor,
            household=application.household,
            reason=application.reason,
            follow_up_on=date.fromisoformat(application.proposal["follow_up_on"]),
        )
    elif application.kind == Kind.REMOVAL:
        household_services.household_remove(
            actor=actor, household=application.household, reason=application.reason
        )
    elif application.household.status != Status.REGISTERED:
        raise CaseError(
            _("Relief is paid to registered households only; this one is %(status)s.")
            % {"status": application.household.get_status_display()}
        )
    # Relief: the approved application is the entitlement finance pays (the relief issue adds
    # programmes, budgets and the ledger on top of it).


def notice_approve_all(*, actor: User, notice: Notice) -> tuple[int, list[str]]:
    """Approve every unobjected application of a closed notice, each in its own transaction
    (two supervisors at once approve each application once). Returns (approved, refusals).
    Only someone who may act on the whole notice approves all (a grassroots supervisor a notice
    that lists their own union's applicants only); each approval checks its application again."""
    _require_role(actor, Role.SUPERVISOR)
    notice = Notice.objects.get(pk=notice.pk)
    if notice.state != NoticeState.CLOSED:
        raise CaseError(_("Applications are approved after the notice period has ended."))
    _ensure_acts_on_notice(actor, notice)
    approved, refusals = 0, []
    pending = (
        Application.objects.visible_to(actor)
        .filter(notice=notice, state=State.AWAITING_APPROVAL)
        .values_list("pk", flat=True)
    )
    for pk in list(pending):
        try:
            application_approve(actor=actor, application=Application(pk=pk))
        except DomainError as error:
            refusals.append(error.message)
        else:
            approved += 1
    return approved, refusals
