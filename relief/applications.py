"""Relief applications (救助申请): filed, edited and re-checked against the programme's rules.

A relief application is a cases.Application of kind relief (its `programme` keeps the programme's
name as posted on the notice, `requested_amount` the cash) with a ReliefRequest beside it that
holds the programme, the tier, the details the rules need and the eligibility decision in words
(relief.eligibility decides; nothing here repeats a rule). It then goes through the workflow of
cases.services like any application: submit, review, the public notice, approval.

On approval (cases.hooks, registered in relief.apps) `relief_approval_check` decides again on the
day: a household no longer eligible, a cap already used up or an amount above what a grassroots
supervisor may approve is refused with the figures; `relief_decision_record` keeps the decision
as it stood when approved.

Public signatures (relief.campaigns and others call them):
    relief_application_file(*, actor, household, programme, reason, cash_amount=None,
        student=None, school_year=None, other_grant=False, medical_case="", patient=None,
        out_of_pocket=None, campaign=None, on=None) -> cases.models.Application
    relief_application_update(*, actor, application, reason, programme, cash_amount=None,
        student=None, school_year=None, other_grant=False, medical_case="", patient=None,
        out_of_pocket=None, on=None) -> cases.models.Application
"""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Application, Kind
from cases.services import EDITABLE_STATES, CaseError, _filed, _locked, _note
from helpcenter.models import User, in_scope
from households.models import Household, Member
from relief.eligibility import Decision, decide_for, money_refusal, yuan
from relief.models import Campaign, Programme, ReliefRequest
from relief.services import ReliefError


def _ensure_may_file(actor: User, household: Household) -> None:
    if not in_scope(actor, household.union_id):
        raise ReliefError(
            _(
                "This household belongs to another union: ask a caseworker of that union or of "
                "the county federation to file it."
            )
        )


def _ensure_member(person: Member | None, household: Household, role: str) -> None:
    if person is not None and person.household_id != household.pk:
        raise ReliefError(
            _("The %(role)s must be a member of this household: choose one from its family.")
            % {"role": role}
        )


def _checked_reason(reason: str) -> str:
    if not (reason or "").strip():
        raise ReliefError(_("State why the household needs this help; it is kept in the file."))
    return reason.strip()


def _checked_out_of_pocket(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    if problem := money_refusal(value):
        raise ReliefError(problem)
    return Decimal(value)


def _decided(*, programme: Programme, household: Household, **facts) -> Decision:
    student, patient = facts.get("student"), facts.get("patient")
    _ensure_member(student, household, _("student"))
    _ensure_member(patient, household, _("patient"))
    decision = decide_for(programme=programme, household=household, **facts)
    if not decision.eligible:
        raise ReliefError(
            _("Not eligible for %(programme)s: %(why)s Nothing was saved.")
            % {"programme": programme.name, "why": decision.refusal()}
        )
    return decision


def _stored_decision(decision: Decision, *, asked: Decimal | None) -> dict:
    """The decision as kept with the request, with what the caseworker asked (the approval
    decides again on the same request)."""
    return {**decision.as_json(), "asked_cash_amount": None if asked is None else str(asked)}


def _request_values(decision: Decision, **facts) -> dict:
    return {
        "tier_id": decision.tier.id if decision.tier else None,
        "student": facts["student"],
        "school_year": facts["school_year"],
        "other_grant": facts["other_grant"],
        "medical_case": facts["medical_case"] or "",
        "patient": facts["patient"],
        "cash_amount": decision.cash_amount,
        "goods": decision.goods,
        "goods_value": decision.goods_value,
        "decision": _stored_decision(decision, asked=facts["cash_amount"]),
    }


def _filing_comment(programme: Programme, decision: Decision) -> str:
    return _("%(programme)s: %(amount)s yuan") % {
        "programme": programme.name,
        "amount": yuan(decision.total),
    }


def _ensure_open(programme: Programme, *, kept: bool) -> None:
    """A closed programme takes no new application; `kept`: a campaign's, or an application
    already under it, may go on."""
    if not programme.active and not kept:
        raise ReliefError(
            _("%(programme)s is closed for applications: choose another programme.")
            % {"programme": programme.name}
        )


@transaction.atomic
def relief_application_file(
    *,
    actor: User,
    household: Household,
    programme: Programme,
    reason: str,
    cash_amount: Decimal | None = None,
    student: Member | None = None,
    school_year: int | None = None,
    other_grant: bool = False,
    medical_case: str = "",
    patient: Member | None = None,
    out_of_pocket: Decimal | None = None,
    campaign: Campaign | None = None,
    on: date | None = None,
) -> Application:
    """救助申请 for `household` under `programme`, filed as a draft by `actor`. The amount comes
    from the programme's tiers (`cash_amount` is the caseworker's only where the tier is a
    ceiling; leave it None for a fixed tier). Refused with the reason, nothing saved, when the
    household is not eligible (relief.eligibility) or out of the actor's scope."""
    _ensure_may_file(actor, household)
    _ensure_open(programme, kept=campaign is not None)
    reason = _checked_reason(reason)
    out_of_pocket = _checked_out_of_pocket(out_of_pocket)
    facts = {
        "cash_amount": cash_amount,
        "student": student,
        "school_year": school_year,
        "other_grant": other_grant,
        "medical_case": medical_case,
        "patient": patient,
    }
    household = Household.objects.select_related("head").get(pk=household.pk)
    decision = _decided(
        programme=programme, household=household, on=on or timezone.localdate(), **facts
    )
    application = Application.objects.create(
        kind=Kind.RELIEF,
        union=household.union,
        household=household,
        applicant_name=household.head.name if household.head else household.file_number,
        reason=reason,
        programme=programme.name,
        requested_amount=decision.cash_amount,
        filed_by=actor,
    )
    ReliefRequest.objects.create(
        application=application,
        household=household,
        programme=programme,
        campaign=campaign,
        out_of_pocket=out_of_pocket,
        **_request_values(decision, **facts),
    )
    _filed(application, actor=actor)
    _note(application, actor=actor, comment=_filing_comment(programme, decision))
    return application


@transaction.atomic
def relief_application_update(
    *,
    actor: User,
    application: Application,
    reason: str,
    programme: Programme,
    cash_amount: Decimal | None = None,
    student: Member | None = None,
    school_year: int | None = None,
    other_grant: bool = False,
    medical_case: str = "",
    patient: Member | None = None,
    out_of_pocket: Decimal | None = None,
    on: date | None = None,
) -> Application:
    """Change a draft or returned relief application: the programme and its details are decided
    again (the application itself not counted against its own cap); refused, nothing changed,
    when no longer eligible."""
    application = _locked(application, EDITABLE_STATES, _("edited (return it first)"))
    if application.kind != Kind.RELIEF:
        raise CaseError(_("Only a relief application names a programme."))
    household = Household.objects.select_related("head").get(pk=application.household_id)
    _ensure_may_file(actor, household)
    relief = ReliefRequest.objects.select_for_update().filter(application=application).first()
    _ensure_open(programme, kept=relief is not None and relief.programme_id == programme.pk)
    reason = _checked_reason(reason)
    out_of_pocket = _checked_out_of_pocket(out_of_pocket)
    facts = {
        "cash_amount": cash_amount,
        "student": student,
        "school_year": school_year,
        "other_grant": other_grant,
        "medical_case": medical_case,
        "patient": patient,
    }
    decision = _decided(
        programme=programme,
        household=household,
        on=on or timezone.localdate(),
        exclude_application=application,
        **facts,
    )
    values = {"programme": programme, "out_of_pocket": out_of_pocket}
    values.update(_request_values(decision, **facts))
    if relief is None:
        ReliefRequest.objects.create(application=application, household=household, **values)
    else:
        for name, value in values.items():
            setattr(relief, name, value)
        relief.save()
    application.reason = reason
    application.programme = programme.name
    application.requested_amount = decision.cash_amount
    application.save(update_fields=["reason", "programme", "requested_amount"])
    _note(
        application,
        actor=actor,
        comment=_("Edited: %(what)s") % {"what": _filing_comment(programme, decision)},
    )
    return application


# --- Approval (cases.hooks) -------------------------------------------------------------------


def _asked(relief: ReliefRequest) -> Decimal | None:
    stored = relief.decision.get("asked_cash_amount", relief.cash_amount)
    if relief.decision.get("migrated"):
        stored = relief.cash_amount
    return None if stored is None else Decimal(str(stored))


def decision_on_approval(relief: ReliefRequest, *, on: date | None = None) -> Decision:
    """The decision on the request as it stands on the approval day."""
    return decide_for(
        programme=relief.programme,
        household=Household.objects.get(pk=relief.household_id),
        on=on or timezone.localdate(),
        cash_amount=_asked(relief),
        student=relief.student,
        school_year=relief.school_year,
        other_grant=relief.other_grant,
        medical_case=relief.medical_case,
        patient=relief.patient,
        exclude_application=relief.application,
    )


def _relief_of(application: Application) -> ReliefRequest:
    relief = (
        ReliefRequest.objects.select_related("programme", "student", "patient")
        .filter(application_id=application.pk)
        .first()
    )
    if relief is None:
        raise CaseError(_("This relief application names no programme: return it and choose one."))
    return relief


def relief_approval_check(*, actor: User, application: Application) -> None:
    """Before approval, decided again on the day: refused if the household is no longer
    eligible or the cap has been used meanwhile (with the figures), if the amount no longer
    matches the tiers, or if a grassroots supervisor approves above the county's threshold."""
    relief = _relief_of(application)
    decision = decision_on_approval(relief)
    if not decision.eligible:
        raise CaseError(
            _("On the day of approval the household is not eligible: %(why)s")
            % {"why": decision.refusal()}
        )
    if decision.total != relief.total:
        raise CaseError(
            _(
                "The tiers in force today grant %(now)s yuan, the application asks %(asked)s "
                "yuan: return it to the filer to update it."
            )
            % {"now": yuan(decision.total), "asked": yuan(relief.total)}
        )
    limit = relief.programme.county_approval_above
    if limit is not None and relief.total > limit and not actor.works_county_wide:
        raise CaseError(
            _(
                "%(amount)s yuan is above %(limit)s yuan: it needs the approval of a county "
                "federation supervisor (需县总工会审批)."
            )
            % {"amount": yuan(relief.total), "limit": yuan(limit)}
        )


def relief_decision_record(*, actor: User, application: Application) -> None:
    """On approval: keep the decision as it stood that day beside the one made when filed."""
    relief = _relief_of(application)
    decision = decision_on_approval(relief)
    relief.decision = {**relief.decision, "on_approval": decision.as_json()}
    relief.save(update_fields=["decision"])
