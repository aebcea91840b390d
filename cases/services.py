"""The workflow of applications and public notices (申请 → 审核 → 公示 → 审批).

Each transition is one service: it locks the row, checks the current state and who acts
(segregation of duties: filer ≠ reviewer ≠ approver), changes the state and records the step.
A refusal raises CaseError with a message staff can act on, and changes nothing.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import hooks
from cases.calendar import notice_period
from cases.models import (
    Application,
    ApplicationStep,
    Kind,
    Notice,
    NoticeRow,
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
from households.choices import Cause, Relation, Status
from households.means_test import MeansTestResult, NoStandardInForce, household_means_test
from households.models import Document, DocumentType, Household, Member

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


def _note(application: Application, *, actor: User | None, comment: str) -> None:
    """A step that changes no state: an edit, a survey, a proof, an objection, a note."""
    ApplicationStep.objects.create(
        application=application,
        actor=actor,
        from_state=application.state,
        to_state=application.state,
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


def _ensure_state(application: Application, allowed: set[str], action: str) -> None:
    if application.state not in allowed:
        raise CaseError(
            _("This application is %(state)s, so it cannot be %(action)s.")
            % {"state": application.get_state_display(), "action": action}
        )


def _locked(application: Application, allowed: set[str], action: str) -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    _ensure_state(application, allowed, action)
    return application


SURVEY_STATES = {State.DRAFT, State.RETURNED, State.SUBMITTED}


def duties_done(application: Application) -> dict[str, list[int | None]]:
    """Who filed (or later edited, surveyed or submitted), who ever reviewed, and who decided:
    read from the trail, so a return does not wipe a reviewer and an editor counts as a filer.
    A note on a reviewed application (taken off a draft notice) is not a review."""
    filers, reviewers = {application.filed_by_id}, set()
    for actor_id, from_state, to_state in application.steps.values_list(
        "actor_id", "from_state", "to_state"
    ):
        if to_state in (State.DRAFT, State.SUBMITTED) or from_state == to_state == State.RETURNED:
            filers.add(actor_id)
        elif to_state == State.REVIEWED and from_state != State.REVIEWED:
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
    members: Iterable[household_services.MemberData] = (),
) -> Application:
    """建档申请: a draft with the proposed file and its family; the file itself is registered
    on approval. The household size is the worker and the members listed (proposed_size)."""
    number = resident_ids.clean(head_id_number)
    household_services.ensure_not_registered(id_numbers=[number], actor=actor)
    _ensure_no_pending_registration(number, actor=actor)
    listed: list[dict] = []
    for data in members:
        listed.append(_checked_member(data, actor=actor, others=[number, *_ids(listed)]))
    application = Application.objects.create(
        kind=Kind.REGISTRATION,
        union=union,
        applicant_name=head_name.strip(),
        reason=_required(reason, _("State why the family needs help.")),
        proposal={
            "head": {"name": head_name.strip(), "id_number": number, "health": head_health},
            "members": listed,
            "fields": {**_jsonable(fields), "size": 1 + len(listed)},
        },
        filed_by=actor,
    )
    _filed(application, actor=actor)
    return application


# --- A registration's family and proof ---------------------------------------------------------


def proposed_size(proposal: dict) -> int:
    """家庭人口 of a registration: the worker and the members listed (Household.size counts the
    head too). Nobody types it: it follows the family on the application."""
    return 1 + len(proposal.get("members", []))


def _ids(people: Iterable[dict]) -> list[str]:
    return [person.get("id_number", "") for person in people]


def _checked_member(
    data: household_services.MemberData,
    *,
    actor: User,
    others: list[str],
    except_pk: int | None = None,
) -> dict:
    """One member of a proposed family, checked as the registry will check it on approval:
    a relation other than the head, a valid ID that is nobody else's in this household, not in
    a registered file and not on another registration under way."""
    if data.relation == Relation.SELF:
        raise CaseError(_("A household has one head; list the others with their relation."))
    number = resident_ids.clean(data.id_number)
    if number in others:
        raise CaseError(
            _("The ID %(masked)s appears twice in this household.")
            % {"masked": resident_ids.mask(number)}
        )
    household_services.ensure_not_registered(id_numbers=[number], actor=actor)
    _ensure_no_pending_registration(number, actor=actor, except_pk=except_pk)
    values = {**data.values(), "id_number": number, "name": data.name.strip()}
    values["monthly_income"] = Decimal(values["monthly_income"] or 0).quantize(Decimal("0.01"))
    try:
        Member(**values).full_clean(
            exclude=["household", "name_initials"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        raise CaseError("；".join(error.messages)) from None
    if values["disability_level"] is not None and not 1 <= values["disability_level"] <= 4:
        raise CaseError(_("A disability certificate level is from 1 to 4."))
    return _jsonable(values)


def _family_locked(actor: User, application: Application, allowed=EDITABLE_STATES) -> Application:
    application = _locked(application, allowed, _("changed (ask a supervisor to return it first)"))
    _ensure_in_scope(actor, application)
    if application.kind != Kind.REGISTRATION:
        raise CaseError(_("Only a registration application lists a family and its proof."))
    return application


def _save_members(
    application: Application, members: list[dict], *, actor: User, comment: str
) -> Application:
    proposal = dict(application.proposal)
    proposal["members"] = members
    proposal["fields"] = {**proposal.get("fields", {}), "size": proposed_size(proposal)}
    application.proposal = proposal
    application.save(update_fields=["proposal"])
    _note(application, actor=actor, comment=comment)
    return application


@transaction.atomic
def application_member_add(
    *, actor: User, application: Application, data: household_services.MemberData
) -> Application:
    """A family member on a draft or returned registration; the household size follows."""
    application = _family_locked(actor, application)
    members = list(application.proposal.get("members", []))
    head = application.proposal.get("head", {})
    member = _checked_member(
        data, actor=actor, others=_ids([head, *members]), except_pk=application.pk
    )
    comment = _("Family member added: %(name)s") % {"name": member["name"]}
    return _save_members(application, [*members, member], actor=actor, comment=comment)


def _member_at(application: Application, index: int) -> list[dict]:
    members = list(application.proposal.get("members", []))
    if not 0 <= index < len(members):
        raise CaseError(_("That family member is no longer on the application: reload the page."))
    return members


@transaction.atomic
def application_member_update(
    *, actor: User, application: Application, index: int, data: household_services.MemberData
) -> Application:
    application = _family_locked(actor, application)
    members = _member_at(application, index)
    others = [application.proposal.get("head", {}), *members[:index], *members[index + 1 :]]
    members[index] = _checked_member(
        data, actor=actor, others=_ids(others), except_pk=application.pk
    )
    comment = _("Family member changed: %(name)s") % {"name": members[index]["name"]}
    return _save_members(application, members, actor=actor, comment=comment)


@transaction.atomic
def application_member_remove(*, actor: User, application: Application, index: int) -> Application:
    application = _family_locked(actor, application)
    members = _member_at(application, index)
    removed = members.pop(index)
    comment = _("Family member removed: %(name)s") % {"name": removed["name"]}
    return _save_members(application, members, actor=actor, comment=comment)


# Proof may be added until the review passes (the reviewer checks it).
PROOF_STATES = {State.DRAFT, State.RETURNED, State.SUBMITTED}


@transaction.atomic
def application_document_add(
    *,
    actor: User,
    application: Application,
    document_type: DocumentType,
    upload: UploadedFile,
) -> Document:
    """Proof for a registration, kept against the application (content-checked, private
    storage) and attached to the file its approval registers."""
    application = _family_locked(actor, application, PROOF_STATES)
    document = household_services.document_store(
        actor=actor, document_type=document_type, upload=upload, application=application
    )
    _note(
        application,
        actor=actor,
        comment=_("Proof added: %(type)s (%(file)s)")
        % {"type": document_type.name, "file": document.original_name},
    )
    return document


def registration_means_test(application: Application, *, on: date | None = None) -> MeansTestResult:
    """The means test on the household a registration proposes, its members counted: what the
    filer, the reviewer and the notice see before anyone decides (households/means_test.py)."""
    return household_means_test(
        household=proposed_household(application), on=on or timezone.localdate()
    )


def _reviewed_means_test(application: Application) -> dict | None:
    """The suggestion as the reviewer saw it, kept with the application: the notice shows it and
    approval records it as the file's first classification."""
    try:
        result = registration_means_test(application)
    except NoStandardInForce:
        return None
    return {
        "category": result.category,
        "degree": result.degree,
        "explanation": result.explanation,
        "on": timezone.localdate().isoformat(),
    }


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
    """A proposal to exit or remove a registered file. A relief application (救助申请) is
    filed under a programme by relief.applications.relief_application_file, which decides
    eligibility and amount; it is refused here."""
    if kind == Kind.RELIEF:
        raise CaseError(
            _(
                "A relief application is filed under a programme: use “Apply for relief” on the "
                "household's page."
            )
        )
    if kind == Kind.LOAN:
        raise CaseError(
            _(
                "A micro-loan is applied for on its own form: use “Apply for a loan” on the "
                "household's page."
            )
        )
    if household.status != Status.REGISTERED:
        raise CaseError(_("Only a registered household can be the subject of an application."))
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
    _ensure_in_scope(actor, application)
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
    _note(
        application,
        actor=actor,
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
    _ensure_in_scope(actor, application)
    if application.kind == Kind.RELIEF:
        raise CaseError(
            _(
                "A relief application is changed on its own form, where the programme decides "
                "the amount: use “Edit” on the application's page."
            )
        )
    if application.kind == Kind.LOAN:
        raise CaseError(
            _(
                "A loan application is changed on its own form, where the programme's limits "
                "and guarantor rules are checked: use “Edit” on the application's page."
            )
        )
    application.reason = _required(reason, _("State the reason; it is kept in the file."))
    proposal = dict(application.proposal)
    if head is not None:
        number = resident_ids.clean(head["id_number"])
        household_services.ensure_not_registered(id_numbers=[number], actor=actor)
        _ensure_no_pending_registration(number, actor=actor, except_pk=application.pk)
        if number in _ids(proposal.get("members", [])):
            raise CaseError(
                _("The ID %(masked)s appears twice in this household.")
                % {"masked": resident_ids.mask(number)}
            )
        proposal["head"] = {**head, "name": head["name"].strip(), "id_number": number}
        application.applicant_name = proposal["head"]["name"]
    if fields is not None:
        proposal["fields"] = _jsonable(fields)
        if application.kind == Kind.REGISTRATION:
            proposal["fields"]["size"] = proposed_size(proposal)
    if follow_up_on is not None:
        household_services.ensure_follow_up_date(follow_up_on)
        proposal["follow_up_on"] = follow_up_on.isoformat()
    if programme is not None:
        application.programme = programme.strip()
    if requested_amount is not None:
        application.requested_amount = requested_amount
    application.proposal = proposal
    application.save()
    _note(
        application,
        actor=actor,
        comment=_("Edited: %(reason)s") % {"reason": application.reason[:100]},
    )
    return application


@transaction.atomic
def application_submit(*, actor: User, application: Application) -> Application:
    application = _locked(application, EDITABLE_STATES, _("submitted"))
    _ensure_in_scope(actor, application)
    application.submitted_on = timezone.localdate()
    _step(application, actor=actor, to_state=State.SUBMITTED)
    application.save()
    return application


# --- The checks of each decision ----------------------------------------------------------------
# Each raises CaseError with the reason `actor` may not take the decision as things stand. The
# service asks it on the locked row; cases.selectors asks the same function, so a page shows a
# button disabled with its reason instead of offering an action the service would refuse.

REVIEWABLE = {State.SUBMITTED}
RETURNABLE = {State.SUBMITTED, State.REVIEWED, State.IN_NOTICE, State.AWAITING_APPROVAL}
APPROVABLE = {State.AWAITING_APPROVAL}


def review_check(*, actor: User, application: Application) -> None:
    _require_role(actor, Role.SUPERVISOR)
    _ensure_state(application, REVIEWABLE, _("reviewed"))
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


def _ensure_no_open_objection(application: Application) -> None:
    if application.objections.filter(state=ObjectionState.OPEN).exists():
        raise CaseError(_("An open objection holds this application: resolve it first."))


def return_check(*, actor: User, application: Application) -> None:
    _require_role(actor, Role.SUPERVISOR)
    _ensure_state(application, RETURNABLE, _("returned"))
    _ensure_in_scope(actor, application)
    _ensure_no_open_objection(application)


def reject_check(*, actor: User, application: Application) -> None:
    _require_role(actor, Role.SUPERVISOR)
    _ensure_state(application, RETURNABLE, _("rejected"))
    _ensure_in_scope(actor, application)


def approval_check(*, actor: User, application: Application) -> None:
    # An objection first: it is what holds an application back in notice after the period.
    _require_role(actor, Role.SUPERVISOR)
    _ensure_in_scope(actor, application)
    _ensure_no_open_objection(application)
    if Objection.objects.filter(
        notice_id=application.notice_id, application=None, state=ObjectionState.OPEN
    ).exists():
        raise CaseError(
            _("An open objection to the whole notice holds its applications: resolve it first.")
        )
    _ensure_state(application, APPROVABLE, _("approved"))
    ensure_separate_duties(user_id=actor.pk, duty=Duty.APPROVE, done_by=duties_done(application))
    for check in hooks.approval_checks[application.kind]:
        check(actor=actor, application=application)


def publish_check(*, actor: User, notice: Notice, today: date) -> None:
    _require_role(actor, Role.SUPERVISOR)
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
    if not notice.applications.filter(state=State.REVIEWED).exists():
        raise CaseError(_("A notice with no application cannot be posted."))


def approve_all_check(*, actor: User, notice: Notice) -> None:
    _require_role(actor, Role.SUPERVISOR)
    if notice.state != NoticeState.CLOSED:
        raise CaseError(_("Applications are approved after the notice period has ended."))
    _ensure_acts_on_notice(actor, notice)


# --- Review, return, reject -------------------------------------------------------------------


@transaction.atomic
def application_review(*, actor: User, application: Application, comment: str = "") -> Application:
    _require_role(actor, Role.SUPERVISOR)
    application = Application.objects.select_for_update().get(pk=application.pk)
    review_check(actor=actor, application=application)
    if application.kind == Kind.REGISTRATION:
        application.proposal = {
            **application.proposal,
            "means_test": _reviewed_means_test(application),
        }
    application.reviewed_by = actor
    _step(application, actor=actor, to_state=State.REVIEWED, comment=comment.strip())
    application.save()
    return application


@transaction.atomic
def application_return(*, actor: User, application: Application, reason: str) -> Application:
    """退回: back to the filer for changes, with the reason; it leaves its notice."""
    _require_role(actor, Role.SUPERVISOR)
    reason = _required(reason, _("Tell the filer what to change."))
    application = Application.objects.select_for_update().get(pk=application.pk)
    return_check(actor=actor, application=application)
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
    application = Application.objects.select_for_update().get(pk=application.pk)
    reject_check(actor=actor, application=application)
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
    ids = [application.pk for application in applications]
    _ensure_notice_terms(
        actor=actor, union=union, start_on=start_on, working_days=working_days, ids=ids
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
    _claim_for_notice(notice, ids)
    return notice


def _ensure_notice_terms(
    *, actor: User, union: Union, start_on: date, working_days: int, ids: list[int]
) -> None:
    """What a notice being prepared (or edited) must meet: at least one application, a length
    and a start within range, and every union it touches within the preparer's scope."""
    if not ids:
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
    listed_unions = Application.objects.filter(pk__in=ids).values_list("union_id", flat=True)
    if not all(in_scope(actor, union_id) for union_id in {union.pk, *listed_unions}):
        raise CaseError(
            _(
                "You can list only your own union's applications on a notice of your own union: "
                "ask a supervisor of the county federation to prepare a notice that spans unions."
            )
        )


def _claim_for_notice(notice: Notice, ids: Iterable[int]) -> None:
    """List reviewed applications that are on no notice (a conditional update: two notices
    prepared at once cannot both claim one application)."""
    ids = set(ids)
    claimed = Application.objects.filter(pk__in=ids, state=State.REVIEWED, notice=None).update(
        notice=notice
    )
    if claimed != len(ids):
        raise CaseError(_("Only reviewed applications that are in no other notice can be listed."))


NOTICE_TERMS = ("title", "place", "contact", "start_on", "working_days", "show_masked_ids")


@transaction.atomic
def notice_update(
    *,
    actor: User,
    notice: Notice,
    title: str,
    place: str,
    contact: str,
    start_on: date,
    working_days: int,
    applications: list[Application],
    show_masked_ids: bool = False,
) -> Notice:
    """Change a notice being prepared: its terms and its list (reviewed applications in the
    actor's scope come on, those taken off go back to the reviewed pool, state unchanged, with a
    step in their trail). A posted notice is a record and is never changed."""
    _require_role(actor, Role.SUPERVISOR)
    notice = _draft_notice(actor, notice, _("edited"))
    ids = {application.pk for application in applications}
    _ensure_notice_terms(
        actor=actor,
        union=notice.union,
        start_on=start_on,
        working_days=working_days,
        ids=list(ids),
    )
    comment = _("Taken off the draft notice %(title)s") % {"title": notice.title}
    notice.title = _required(title, _("Give the notice a title."))
    notice.place = _required(place, _("Say where the notice is posted."))
    notice.contact = _required(contact, _("Give a contact for objections."))
    notice.start_on, notice.working_days = start_on, working_days
    notice.show_masked_ids = show_masked_ids
    notice.save(update_fields=NOTICE_TERMS)
    listed = set(notice.applications.values_list("pk", flat=True))
    for application in notice.applications.select_for_update().filter(pk__in=listed - ids):
        _leave_draft_notice(application, actor=actor, comment=comment)
    _claim_for_notice(notice, ids - listed)
    return notice


@transaction.atomic
def notice_discard(*, actor: User, notice: Notice) -> None:
    """Discard a notice being prepared: its applications go back to the reviewed pool (state
    unchanged, a step in each trail naming the notice) and the draft is deleted. It was never
    posted, so it holds nothing the public saw, no objection and no frozen row; the trail of
    each application keeps who discarded it and when."""
    _require_role(actor, Role.SUPERVISOR)
    notice = _draft_notice(actor, notice, _("discarded"))
    comment = _("The draft notice %(title)s was discarded") % {"title": notice.title}
    for application in notice.applications.select_for_update():
        _leave_draft_notice(application, actor=actor, comment=comment)
    notice.delete()


def _draft_notice(actor: User, notice: Notice, action: str) -> Notice:
    """The notice, locked, if it is still being prepared and `actor` may act on all of it."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.state != NoticeState.DRAFT:
        raise CaseError(
            _(
                "This notice has been posted, so it cannot be %(action)s: what was posted stays "
                "on record."
            )
            % {"action": action}
        )
    _ensure_acts_on_notice(actor, notice)
    return notice


def _leave_draft_notice(application: Application, *, actor: User, comment: str) -> None:
    application.notice = None
    application.save(update_fields=["notice"])
    _note(application, actor=actor, comment=comment)


@transaction.atomic
def notice_publish(
    *, actor: User, notice: Notice, today: date | None = None, comment: str = ""
) -> Notice:
    """Post the notice: its end date is computed in working days; its applications are in notice.
    It cannot start before the day it is posted: the public must have the whole period.
    `comment`, the poster's opinion, is kept with the notice's title in each application's step."""
    _require_role(actor, Role.SUPERVISOR)
    today = today or timezone.localdate()
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    publish_check(actor=actor, notice=notice, today=today)
    applications = list(notice.applications.select_for_update().filter(state=State.REVIEWED))
    period = notice_period(start=notice.start_on, working_days=notice.working_days)
    notice.end_on = period.end
    notice.calendar_note = _calendar_note(period)
    notice.issuer_name = notice.union.name
    notice.state = NoticeState.PUBLISHED
    notice.published_at = timezone.now()
    notice.save()
    _freeze_rows(notice)
    for application in applications:
        step_comment = "\n".join(filter(None, [notice.title, comment.strip()]))
        _step(application, actor=actor, to_state=State.IN_NOTICE, comment=step_comment)
        application.save(update_fields=["state"])
    return notice


def _freeze_rows(notice: Notice) -> None:
    """Keep the rows exactly as posted: every later view, the PDF and the archive read them."""
    from cases.printing import draft_rows

    NoticeRow.objects.bulk_create(draft_rows(notice))


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
            _note(
                application,
                actor=actor,
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
    application = Application.objects.select_for_update().get(pk=application.pk)
    approval_check(actor=actor, application=application)
    _carry_out(application, actor=actor)
    application.decided_by = actor
    _step(application, actor=actor, to_state=State.APPROVED, comment=comment.strip())
    application.save()
    return application


def _proposed_fields(application: Application) -> dict:
    fields = dict(application.proposal.get("fields", {}))
    fields["size"] = proposed_size(application.proposal)
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
        application.documents.update(household=application.household)
        _first_classification(application, actor=actor)
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
    # A relief application: its programme's rules (registered households only, unless the
    # programme says otherwise) were checked again by the approval checks (cases.hooks).
    for hook in hooks.on_approval[application.kind]:
        hook(actor=actor, application=application)


def _first_classification(application: Application, *, actor: User) -> None:
    """The new file's first classification is the one reviewed and shown on the notice, decided
    by the approving supervisor (households.services.household_classify records it, with the
    means test's reasons and, where today's suggestion differs, why it stands)."""
    reviewed = application.proposal.get("means_test")
    if reviewed is None:  # reviewed without a standard in force: classified on the file later
        return
    notice = application.notice
    why = (
        _("As reviewed and shown on the public notice “%(notice)s”.") % {"notice": notice.title}
        if notice
        else _("As reviewed.")
    )
    try:
        household_services.household_classify(
            actor=actor,
            household=application.household,
            category=reviewed["category"],
            degree=reviewed["degree"],
            override_reason=why,
        )
    except NoStandardInForce:
        return


def notice_approve_all(*, actor: User, notice: Notice, comment: str = "") -> tuple[int, list[str]]:
    """Approve every unobjected application of a closed notice, each in its own transaction
    (two supervisors at once approve each application once). Returns (approved, refusals).
    Only someone who may act on the whole notice approves all (a grassroots supervisor a notice
    that lists their own union's applicants only); each approval checks its application again
    and keeps `comment`, the approval opinion, in its step."""
    notice = Notice.objects.get(pk=notice.pk)
    approve_all_check(actor=actor, notice=notice)
    approved, refusals = 0, []
    pending = (
        Application.objects.visible_to(actor)
        .filter(notice=notice, state=State.AWAITING_APPROVAL)
        .values_list("pk", flat=True)
    )
    for pk in list(pending):
        try:
            application_approve(actor=actor, application=Application(pk=pk), comment=comment)
        except DomainError as error:
            refusals.append(error.message)
        else:
            approved += 1
    return approved, refusals
