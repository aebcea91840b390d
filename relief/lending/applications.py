"""Filing a loan application (小额借款申请) and changing it while it is a draft or returned: the
programme's limits (amount, term) and its guarantor rules, decided here for filing, editing and
approval alike."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Application, Kind
from cases.services import EDITABLE_STATES, _filed, _note
from cases.services import _locked as _locked_application
from helpcenter.models import Role, User, in_scope
from households import resident_ids
from households.choices import Status
from households.models import Household, Member
from relief.lending.common import (
    _locked,
    _require,
)
from relief.models import (
    OPEN_LOAN_STATES,
    Guarantor,
    GuarantorKind,
    Loan,
    LoanProgramme,
    LoanState,
)
from relief.services import (
    ReliefError,
    _checked_amount,
)


def _largest(programme: LoanProgramme, laid_off_employed: int) -> Decimal:
    if (
        programme.amount_max_employing is not None
        and laid_off_employed >= programme.employing_at_least
    ):
        return programme.amount_max_employing
    return programme.amount_max


def _ensure_limits(
    programme: LoanProgramme, *, principal: Decimal, term_months: int, laid_off_employed: int
) -> None:
    largest = _largest(programme, laid_off_employed)
    if not programme.amount_min <= principal <= largest:
        if (
            principal > largest
            and programme.amount_max_employing is not None
            and principal <= programme.amount_max_employing
        ):
            raise ReliefError(
                _(
                    "%(programme)s lends at most %(max)s yuan; up to %(larger)s yuan only when "
                    "the business employs %(count)s or more laid-off workers (it employs "
                    "%(employed)s). Lower the amount."
                )
                % {
                    "programme": programme.name,
                    "max": programme.amount_max,
                    "larger": programme.amount_max_employing,
                    "count": programme.employing_at_least,
                    "employed": laid_off_employed,
                }
            )
        raise ReliefError(
            _(
                "%(programme)s lends from %(min)s to %(max)s yuan; %(amount)s yuan is outside "
                "that range. Change the amount."
            )
            % {
                "programme": programme.name,
                "min": programme.amount_min,
                "max": largest,
                "amount": principal,
            }
        )
    terms = [int(term) for term in programme.terms]
    if term_months not in terms:
        raise ReliefError(
            _("%(programme)s offers terms of %(terms)s months, not %(term)s: choose one of them.")
            % {
                "programme": programme.name,
                "terms": "、".join(str(term) for term in terms),
                "term": term_months,
            }
        )


@dataclass(frozen=True)
class GuarantorData:
    kind: str
    name: str
    id_number: str
    share: Decimal
    work_unit: str = ""


def _checked_guarantor_id(data: GuarantorData) -> str:
    raw = (data.id_number or "").strip().upper()
    if data.kind == GuarantorKind.COMPANY:
        if len(raw) != 18 or not raw.isalnum():
            raise ReliefError(
                _("The unified social credit code of %(name)s has 18 letters and digits.")
                % {"name": data.name}
            )
        return raw
    try:
        return resident_ids.clean(raw)
    except Exception as error:  # the resident ID module raises ValidationError with its reason
        message = getattr(error, "messages", [str(error)])
        raise ReliefError(
            _("The resident ID of guarantor %(name)s is not valid: %(why)s")
            % {"name": data.name, "why": " ".join(message)}
        ) from None


def _open_guarantees(id_number: str, *, exclude_loan: Loan | None = None) -> int:
    guarantees = Guarantor.objects.filter(id_number=id_number, loan__state__in=OPEN_LOAN_STATES)
    guarantees = guarantees.exclude(
        loan__state=LoanState.APPLIED, loan__application__state="rejected"
    )
    if exclude_loan is not None:
        guarantees = guarantees.exclude(loan=exclude_loan)
    return guarantees.values("loan").distinct().count()


def _overdue_borrower(id_number: str) -> Loan | None:
    households = Member.objects.filter(id_number=id_number).values("household_id")
    return (
        Loan.objects.filter(
            household_id__in=households, state=LoanState.DISBURSED, days_past_due__gt=0
        )
        .order_by("-days_past_due")
        .first()
    )


def _ensure_guarantors(
    programme: LoanProgramme,
    guarantors: list[GuarantorData],
    *,
    household: Household,
    exclude_loan: Loan | None = None,
) -> list[tuple[GuarantorData, str]]:
    count = len(guarantors)
    if not programme.guarantors_min <= count <= programme.guarantors_max:
        raise ReliefError(
            _(
                "%(programme)s needs from %(min)s to %(max)s guarantors; %(count)s were given. "
                "Add or remove guarantors."
            )
            % {
                "programme": programme.name,
                "min": programme.guarantors_min,
                "max": programme.guarantors_max,
                "count": count,
            }
        )
    members = set(household.members.values_list("id_number", flat=True))
    checked, seen = [], set()
    for data in guarantors:
        if not (data.name or "").strip():
            raise ReliefError(_("Enter each guarantor's name."))
        if programme.guarantor_kinds and data.kind not in programme.guarantor_kinds:
            accepted = "、".join(
                str(GuarantorKind(kind).label) for kind in programme.guarantor_kinds
            )
            raise ReliefError(
                _(
                    "%(programme)s accepts guarantors of these kinds only: %(kinds)s. "
                    "%(name)s is not one."
                )
                % {"programme": programme.name, "kinds": accepted, "name": data.name}
            )
        number = _checked_guarantor_id(data)
        if number in seen:
            raise ReliefError(_("%(name)s is listed twice as a guarantor.") % {"name": data.name})
        seen.add(number)
        if number in members:
            raise ReliefError(
                _("%(name)s is a member of the borrower's household and cannot guarantee the loan.")
                % {"name": data.name}
            )
        share = data.share
        if not isinstance(share, Decimal) or not programme.guarantor_min_share <= share <= 100:
            raise ReliefError(
                _(
                    "Each guarantor guarantees from %(min)s %% to 100 %% of the principal; "
                    "%(name)s's share is %(share)s %%."
                )
                % {"min": programme.guarantor_min_share, "name": data.name, "share": share}
            )
        open_count = _open_guarantees(number, exclude_loan=exclude_loan)
        if open_count >= programme.guarantor_max_open_loans:
            raise ReliefError(
                _(
                    "%(name)s already guarantees %(count)s open loans, the most %(programme)s "
                    "allows: choose another guarantor."
                )
                % {"name": data.name, "count": open_count, "programme": programme.name}
            )
        overdue = _overdue_borrower(number)
        if overdue is not None:
            raise ReliefError(
                _(
                    "%(name)s is a borrower with a loan %(days)s days past due: a borrower in "
                    "arrears cannot guarantee. Choose another guarantor."
                )
                % {"name": data.name, "days": overdue.days_past_due}
            )
        checked.append((data, number))
    return checked


# --- Filing ------------------------------------------------------------------------------------


@transaction.atomic
def loan_application_file(
    *,
    actor: User,
    household: Household,
    programme: LoanProgramme,
    principal: Decimal,
    term_months: int,
    purpose: str,
    business_plan: str,
    laid_off_employed: int = 0,
    guarantors: list[GuarantorData],
) -> Application:
    """小额借款申请 of `household` under `programme`, filed as a draft; it then goes through
    review, the public notice and approval like any application (cases.services)."""
    _require(actor, Role.CASEWORKER)
    if not in_scope(actor, household.union_id):
        raise ReliefError(
            _("This household belongs to another union: ask a caseworker of that union to file it.")
        )
    household = Household.objects.select_related("head", "union").get(pk=household.pk)
    _ensure_registered_household(household)
    if not programme.active:
        raise ReliefError(
            _("%(programme)s is closed for applications: choose another programme.")
            % {"programme": programme.name}
        )
    principal, purpose, business_plan = _checked_terms(
        programme,
        principal=principal,
        term_months=term_months,
        laid_off_employed=laid_off_employed,
        purpose=purpose,
        business_plan=business_plan,
    )
    checked = _ensure_guarantors(programme, guarantors, household=household)
    application = Application.objects.create(
        kind=Kind.LOAN,
        union=household.union,
        household=household,
        applicant_name=household.head.name if household.head else household.file_number,
        reason=purpose,
        programme=programme.name,
        requested_amount=principal,
        filed_by=actor,
    )
    loan = Loan.objects.create(
        application=application,
        household=household,
        union=household.union,
        programme=programme,
        principal=principal,
        term_months=term_months,
        annual_rate=programme.annual_rate,
        borrower_rate_cap=programme.borrower_rate_cap,
        method=programme.method,
        purpose=purpose,
        business_plan=business_plan,
        laid_off_employed=laid_off_employed,
    )
    _create_guarantors(loan, checked)
    _filed(application, actor=actor)
    _note(application, actor=actor, comment=_terms_comment(programme, principal, term_months))
    return application


def _create_guarantors(loan: Loan, checked: list[tuple[GuarantorData, str]]) -> None:
    Guarantor.objects.bulk_create(
        Guarantor(
            loan=loan,
            kind=data.kind,
            name=data.name.strip(),
            id_number=number,
            work_unit=(data.work_unit or "").strip(),
            share=data.share,
        )
        for data, number in checked
    )


def _terms_comment(programme: LoanProgramme, principal: Decimal, term_months: int) -> str:
    return _("%(programme)s: %(amount)s yuan over %(term)s months") % {
        "programme": programme.name,
        "amount": principal,
        "term": term_months,
    }


def _loan_of(application: Application) -> Loan:
    loan = (
        Loan.objects.select_related("programme", "household")
        .filter(application=application)
        .first()
    )
    if loan is None:
        raise ReliefError(_("This loan application has no loan details: reject it and file again."))
    return loan


# --- Editing a draft or returned application ---------------------------------------------------


def _ensure_registered_household(household: Household) -> None:
    if household.status != Status.REGISTERED:
        raise ReliefError(
            _(
                "Loans are made to registered households only (先建档、后帮扶); this one is "
                "%(status)s."
            )
            % {"status": household.get_status_display()}
        )


@transaction.atomic
def loan_application_update(
    *,
    actor: User,
    application: Application,
    principal: Decimal,
    term_months: int,
    purpose: str,
    business_plan: str,
    laid_off_employed: int = 0,
    guarantors: list[GuarantorData],
) -> Application:
    """Change a draft or returned (退回) loan application: amount, term, purpose, business plan
    and guarantors, checked as when filed (the programme's limits and guarantor rules, the loan's
    own guarantees not counted against its guarantors). The programme stays; its rate, cap and
    method are copied again, as the loan is not yet approved. Then it is submitted again."""
    _require(actor, Role.CASEWORKER)
    application = _locked_application(application, EDITABLE_STATES, _("edited (return it first)"))
    if application.kind != Kind.LOAN:
        raise ReliefError(_("Only a loan application is changed on the loan form."))
    if not in_scope(actor, application.union_id):
        raise ReliefError(
            _("This household belongs to another union: ask a caseworker of that union to file it.")
        )
    loan = _locked(_loan_of(application), LoanState.APPLIED)
    programme = loan.programme
    _ensure_registered_household(loan.household)
    principal, purpose, business_plan = _checked_terms(
        programme,
        principal=principal,
        term_months=term_months,
        laid_off_employed=laid_off_employed,
        purpose=purpose,
        business_plan=business_plan,
    )
    checked = _ensure_guarantors(programme, guarantors, household=loan.household, exclude_loan=loan)
    loan.principal, loan.term_months, loan.laid_off_employed = (
        principal,
        term_months,
        laid_off_employed,
    )
    loan.purpose, loan.business_plan = purpose, business_plan
    loan.annual_rate, loan.borrower_rate_cap = programme.annual_rate, programme.borrower_rate_cap
    loan.method = programme.method
    loan.save(
        update_fields=[
            "principal",
            "term_months",
            "laid_off_employed",
            "purpose",
            "business_plan",
            "annual_rate",
            "borrower_rate_cap",
            "method",
        ]
    )
    loan.guarantors.all().delete()
    _create_guarantors(loan, checked)
    application.reason, application.requested_amount = purpose, principal
    application.save(update_fields=["reason", "requested_amount"])
    _note(
        application,
        actor=actor,
        comment=_("Edited: %(what)s; guarantors: %(guarantors)s")
        % {
            "what": _terms_comment(programme, principal, term_months),
            "guarantors": "、".join(data.name.strip() for data, _number in checked),
        },
    )
    return application


def _checked_terms(
    programme, *, principal, term_months, laid_off_employed, purpose, business_plan
) -> tuple:
    """What filing and editing a loan application both check: the amount, the programme's
    limits, the purpose and the plan. Returns the amount and the stripped texts."""
    principal = _checked_amount(principal)
    if laid_off_employed is None or laid_off_employed < 0:
        raise ReliefError(_("Enter how many laid-off workers the business employs (0 if none)."))
    _ensure_limits(
        programme, principal=principal, term_months=term_months, laid_off_employed=laid_off_employed
    )
    purpose, business_plan = (purpose or "").strip(), (business_plan or "").strip()
    if not purpose or not business_plan:
        raise ReliefError(_("State the purpose of the loan and the business plan."))
    return principal, purpose, business_plan
