"""Micro-loans (小额借款): filing a loan application, approving it against the fund, disbursing
it with its schedule, repayments and their reversal, overdue aging, the interest subsidy (贴息)
and write-off (核销).

Each function is one step in the style of relief.services: it locks the loan row, checks the
state and who acts, and writes ledger lines (relief.models.Disbursement, kinds loan_out,
repayment, subsidy and reversal, each carrying the loan) or refuses with ReliefError in words
staff can act on, changing nothing.

The rules this module decides (documented here, tested in tests/test_loans_services.py):

- Allocation: a repayment goes to the oldest instalment with something unpaid, its interest
  first, then its principal, then to the next instalment. A repayment smaller than what is owed
  may therefore pay instalments not yet due (at their scheduled interest).
- What is owed on a day (`loan_owed`) is what settles the loan that day: everything unpaid on
  the instalments due on or before it, the principal of the later ones, and the interest of the
  current period (the first instalment due after the day) accrued to the day: the principal
  still unpaid on that and later instalments × annual rate × days since the period began (the
  previous due date, or the disbursement for the first) ÷ 360 (日利率 = 年利率 ÷ 360, the
  banks' convention), rounded half up to the fen and at most the scheduled interest. Interest
  already paid on the current instalment is never refunded. Later instalments carry no interest.
- Early full repayment: a repayment of exactly the amount owed before the last due date
  settles the loan; the interest not charged is recorded as waived on the instalments
  (`Instalment.interest_waived`), which the reversal of that repayment restores. A repayment
  above what is owed is refused with the amount owed.
- Reversal: only the latest repayment not reversed may be reversed (a later one was allocated
  after it), and not once the subsidy is paid.
- Overdue: a loan is past due from the due date of its oldest instalment still unpaid after its
  due date; days past due are counted to the day of the check (the daily task, and each
  repayment or reversal with today's date).
- Subsidy: after full repayment, the interest paid (the interest allocations of the repayments
  not reversed) × (annual rate − borrower's cap) ÷ annual rate, rounded half up to the fen: the
  part of the interest above the cap, since every instalment's interest is proportional to the
  rate.
- Fund balance on approval: the fund's amount for the year (FundYear, locked) less the principal
  outstanding of the loans approved or disbursed from that fund (principal less principal repaid).

Public signatures:
    loan_application_file(*, actor, household, programme, principal, term_months, purpose,
        business_plan, laid_off_employed, guarantors: list[GuarantorData]) -> Application
    loan_approval_check(*, actor, application) / loan_approve(*, actor, application)  (hooks)
    loan_disburse(*, actor, loan, disbursed_on, first_due, method="bank") -> Disbursement
    loan_repay(*, actor, loan, amount, paid_on, method="cash", note="") -> Repayment
    repayment_reverse(*, actor, repayment, reason, paid_on) -> Repayment
    loans_mark_overdue(*, today=None) -> int
    loan_subsidy_pay(*, actor, loan, paid_on) -> Disbursement
    write_off_propose(*, actor, loan, reason) -> WriteOff
    write_off_approve(*, actor, write_off) -> WriteOff
    loan_owed(loan, *, on) -> Owed;  loan_instalments(loan) -> list[InstalmentFigures]
    aging_bucket(days) -> str
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Application, Kind
from cases.services import _filed, _note
from helpcenter.duties import Duty, ensure_separate_duties
from helpcenter.models import Role, User, in_scope
from households import resident_ids
from households.choices import Status
from households.models import Household, Member
from relief import loans
from relief.loans import to_fen
from relief.models import (
    OPEN_LOAN_STATES,
    Disbursement,
    FundYear,
    Guarantor,
    GuarantorKind,
    Instalment,
    LineKind,
    Loan,
    LoanProgramme,
    LoanState,
    Method,
    Repayment,
    RepaymentAllocation,
    WriteOff,
)
from relief.services import (
    ReliefError,
    _checked_amount,
    _ensure_date,
    _money,
    _next_voucher,
    _write_line,
)

ZERO = Decimal("0.00")
DAYS_IN_YEAR = 360  # 日利率 = 年利率 ÷ 360
MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)
MAX_FIRST_DUE_DAYS = 92
# Aging buckets of days past due (the portfolio groups loans by them).
BUCKETS = [("1-30", 1, 30), ("31-90", 31, 90), ("91-180", 91, 180), ("181-360", 181, 360)]
BUCKET_OVER_360 = ">360"


def aging_bucket(days: int) -> str:
    """The aging bucket of `days` past due: "1-30", "31-90", "91-180", "181-360", ">360", or ""
    for a loan not past due."""
    if days <= 0:
        return ""
    for name, low, high in BUCKETS:
        if low <= days <= high:
            return name
    return BUCKET_OVER_360


# --- Checks shared by the steps ----------------------------------------------------------------


def _ensure_in_scope(actor: User, union_id: int) -> None:
    if not in_scope(actor, union_id):
        raise ReliefError(
            _("This loan belongs to another union: ask staff of that union or of the county.")
        )


def _require(actor: User, *roles: str) -> None:
    if not actor.has_role(*roles):
        labels = "、".join(str(Role(role).label) for role in roles)
        raise ReliefError(_("Only a %(roles)s may do this.") % {"roles": labels})


def _locked(loan: Loan, *states: str) -> Loan:
    loan = (
        Loan.objects.select_for_update(of=("self",))
        .select_related("programme", "household", "application")
        .get(pk=loan.pk)
    )
    if states and loan.state not in states:
        raise ReliefError(
            _("This loan is %(state)s: this cannot be done now.")
            % {"state": loan.get_state_display()}
        )
    return loan


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
    if household.status != Status.REGISTERED:
        raise ReliefError(
            _(
                "Loans are made to registered households only (先建档、后帮扶); this one is "
                "%(status)s."
            )
            % {"status": household.get_status_display()}
        )
    if not programme.active:
        raise ReliefError(
            _("%(programme)s is closed for applications: choose another programme.")
            % {"programme": programme.name}
        )
    principal = _checked_amount(principal)
    if laid_off_employed is None or laid_off_employed < 0:
        raise ReliefError(_("Enter how many laid-off workers the business employs (0 if none)."))
    _ensure_limits(
        programme, principal=principal, term_months=term_months, laid_off_employed=laid_off_employed
    )
    purpose, business_plan = (purpose or "").strip(), (business_plan or "").strip()
    if not purpose or not business_plan:
        raise ReliefError(_("State the purpose of the loan and the business plan."))
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
    _filed(application, actor=actor)
    _note(
        application,
        actor=actor,
        comment=_("%(programme)s: %(amount)s yuan over %(term)s months")
        % {"programme": programme.name, "amount": principal, "term": term_months},
    )
    return application


# --- Approval (cases.hooks, registered in relief.apps) ------------------------------------------


def _loan_of(application: Application) -> Loan:
    loan = (
        Loan.objects.select_related("programme", "household")
        .filter(application=application)
        .first()
    )
    if loan is None:
        raise ReliefError(_("This loan application has no loan details: reject it and file again."))
    return loan


def _guarantor_data(loan: Loan) -> list[GuarantorData]:
    return [
        GuarantorData(
            kind=g.kind, name=g.name, id_number=g.id_number, share=g.share, work_unit=g.work_unit
        )
        for g in loan.guarantors.all()
    ]


def _repaid_principal(loans_filter: Q) -> Decimal:
    total = RepaymentAllocation.objects.filter(
        loans_filter, repayment__reversal__isnull=True
    ).aggregate(total=Coalesce(Sum("principal"), ZERO))["total"]
    return total


def fund_balance(fund_year: FundYear) -> dict[str, Decimal]:
    """The fund's amount for the year, the principal outstanding of the loans approved or
    disbursed from it, and what is left to lend."""
    on_loan = Q(state__in=[LoanState.APPROVED, LoanState.DISBURSED], programme__fund=fund_year.fund)
    lent = Loan.objects.filter(on_loan).aggregate(total=Coalesce(Sum("principal"), ZERO))["total"]
    repaid = _repaid_principal(
        Q(repayment__loan__state__in=[LoanState.APPROVED, LoanState.DISBURSED])
        & Q(repayment__loan__programme__fund=fund_year.fund)
    )
    outstanding = _money(lent - repaid)
    return {
        "amount": fund_year.amount,
        "outstanding": outstanding,
        "left": fund_year.amount - outstanding,
    }


def _ensure_fund(loan: Loan, *, lock: bool) -> None:
    year = timezone.localdate().year
    fund_years = FundYear.objects.filter(fund=loan.programme.fund, year=year)
    if lock:
        fund_years = fund_years.select_for_update()
    fund_year = fund_years.first()
    if fund_year is None:
        raise ReliefError(
            _(
                "%(fund)s has no amount for %(year)s: ask an administrator to enter it before "
                "approving."
            )
            % {"fund": loan.programme.fund.name, "year": year}
        )
    balance = fund_balance(fund_year)
    if balance["left"] < loan.principal:
        raise ReliefError(
            _(
                "Not enough in %(fund)s: %(amount)s yuan for %(year)s, %(outstanding)s yuan out "
                "on loan, %(left)s yuan left; this loan needs %(principal)s yuan."
            )
            % {
                "fund": loan.programme.fund.name,
                "amount": balance["amount"],
                "year": year,
                "outstanding": balance["outstanding"],
                "left": balance["left"],
                "principal": loan.principal,
            }
        )


def loan_approval_check(*, actor: User, application: Application) -> None:
    """Before approval: the programme's limits, the guarantors (on the day) and the fund."""
    loan = _loan_of(application)
    _ensure_limits(
        loan.programme,
        principal=loan.principal,
        term_months=loan.term_months,
        laid_off_employed=loan.laid_off_employed,
    )
    _ensure_guarantors(
        loan.programme, _guarantor_data(loan), household=loan.household, exclude_loan=loan
    )
    _ensure_fund(loan, lock=False)


def loan_approve(*, actor: User, application: Application) -> Loan:
    """On approval (inside the approval's transaction): the fund checked again under its lock
    (two approvals on the last yuan queue here), then the loan is approved, to disburse."""
    loan = _locked(_loan_of(application), LoanState.APPLIED)
    _ensure_fund(loan, lock=True)
    loan.state, loan.approved_by, loan.approved_at = LoanState.APPROVED, actor, timezone.now()
    loan.save(update_fields=["state", "approved_by", "approved_at"])
    return loan


# --- Figures of one loan -----------------------------------------------------------------------


@dataclass
class InstalmentFigures:
    instalment: Instalment
    interest_paid: Decimal
    principal_paid: Decimal

    @property
    def interest_due(self) -> Decimal:
        return self.instalment.interest - self.instalment.interest_waived

    @property
    def interest_left(self) -> Decimal:
        return self.interest_due - self.interest_paid

    @property
    def principal_left(self) -> Decimal:
        return self.instalment.principal - self.principal_paid

    @property
    def left(self) -> Decimal:
        return self.interest_left + self.principal_left

    @property
    def paid(self) -> Decimal:
        return self.interest_paid + self.principal_paid

    def status(self, today: datetime.date) -> str:
        if self.left <= 0:
            return "paid"
        if self.instalment.due < today:
            return "overdue"
        return "due"


def _allocated(field_name: str) -> Coalesce:
    rows = (
        RepaymentAllocation.objects.filter(
            instalment=OuterRef("pk"), repayment__reversal__isnull=True
        )
        .order_by()
        .values("instalment")
        .annotate(total=Sum(field_name))
        .values("total")
    )
    return Coalesce(Subquery(rows[:1], output_field=MONEY_FIELD), Value(ZERO))


def instalments_with_paid():
    return Instalment.objects.annotate(
        interest_paid=_allocated("interest"), principal_paid=_allocated("principal")
    )


def loan_instalments(loan: Loan) -> list[InstalmentFigures]:
    """The schedule with what is paid on each instalment (summed in the database)."""
    return [
        InstalmentFigures(row, _money(row.interest_paid), _money(row.principal_paid))
        for row in instalments_with_paid().filter(loan=loan).order_by("number")
    ]


@dataclass
class Owed:
    """What settles the loan on `on`, and how: per instalment (interest, principal) to charge,
    and the interest waived on each by settling early."""

    on: datetime.date
    total: Decimal
    accrued_interest: Decimal = ZERO
    early: bool = False
    charges: list[tuple[InstalmentFigures, Decimal, Decimal]] = field(default_factory=list)
    waived: dict[int, Decimal] = field(default_factory=dict)  # instalment id → interest waived


def _period_start(loan: Loan, rows: list[InstalmentFigures], index: int) -> datetime.date:
    return loan.disbursed_on if index == 0 else rows[index - 1].instalment.due


def loan_owed(
    loan: Loan, *, on: datetime.date, rows: list[InstalmentFigures] | None = None
) -> Owed:
    """The amount that settles `loan` on `on` (the rule in the module's docstring)."""
    rows = rows if rows is not None else loan_instalments(loan)
    current = next((i for i, row in enumerate(rows) if row.instalment.due > on), None)
    owed = Owed(on=on, total=ZERO)
    for index, row in enumerate(rows):
        if current is None or index < current:
            interest = row.interest_left
        elif index == current:
            still = sum((r.principal_left for r in rows[index:]), ZERO)
            days = (on - _period_start(loan, rows, index)).days
            accrued = min(to_fen(still * loan.annual_rate * days / DAYS_IN_YEAR), row.interest_due)
            interest = max(accrued - row.interest_paid, ZERO)
            owed.accrued_interest = accrued
            charged = row.interest_paid + interest
            owed.waived[row.instalment.pk] = row.instalment.interest - charged
        else:
            interest = ZERO
            owed.waived[row.instalment.pk] = row.instalment.interest - row.interest_paid
        principal = row.principal_left
        owed.charges.append((row, interest, principal))
        owed.total += interest + principal
    owed.early = current is not None and any(value > 0 for value in owed.waived.values())
    return owed


def loan_outstanding(loan: Loan) -> dict[str, Decimal]:
    """Principal repaid and outstanding, interest paid (repayments not reversed)."""
    totals = RepaymentAllocation.objects.filter(
        repayment__loan=loan, repayment__reversal__isnull=True
    ).aggregate(
        principal=Coalesce(Sum("principal"), ZERO), interest=Coalesce(Sum("interest"), ZERO)
    )
    return {
        "principal_repaid": _money(totals["principal"]),
        "interest_paid": _money(totals["interest"]),
        "principal_outstanding": _money(loan.principal - totals["principal"]),
    }


# --- Disbursement ------------------------------------------------------------------------------


def _line(
    *,
    loan: Loan,
    actor: User,
    kind: str,
    amount: Decimal,
    paid_on,
    fund_id: int,
    method: str,
    note: str = "",
    reverses: Disbursement | None = None,
) -> Disbursement:
    return _write_line(
        voucher_number=_next_voucher(paid_on.year),
        kind=kind,
        paid_on=paid_on,
        payer=actor,
        household_id=loan.household_id,
        union_id=loan.union_id,
        programme_id=loan.programme.ledger_programme_id,
        fund_id=fund_id,
        method=method,
        amount=amount,
        note=note,
        reverses=reverses,
        loan=loan,
    )


def _ensure_registered(loan: Loan) -> None:
    if loan.household.status != Status.REGISTERED:
        raise ReliefError(
            _("The household is %(status)s: loans are paid out to registered households only.")
            % {"status": loan.household.get_status_display()}
        )


@transaction.atomic
def loan_disburse(
    *,
    actor: User,
    loan: Loan,
    disbursed_on: datetime.date,
    first_due: datetime.date,
    method: str = Method.BANK,
) -> Disbursement:
    """发放借款: the schedule computed (relief.loans.schedule) and stored, and one loan_out
    line from the programme's fund. Whoever approved the loan may not pay it out."""
    _require(actor, Role.FINANCE)
    loan = _locked(loan, LoanState.APPROVED)
    _ensure_in_scope(actor, loan.union_id)
    ensure_separate_duties(
        user_id=actor.pk, duty=Duty.PAY, done_by={Duty.APPROVE: [loan.approved_by_id]}
    )
    if method not in (Method.BANK, Method.CASH):
        raise ReliefError(_("A loan is paid out by bank transfer or in cash."))
    disbursed_on = _ensure_date(disbursed_on)
    if not isinstance(first_due, datetime.date) or not (
        disbursed_on < first_due <= disbursed_on + datetime.timedelta(days=MAX_FIRST_DUE_DAYS)
    ):
        raise ReliefError(
            _(
                "The first instalment falls due after the day the loan is paid out and within "
                "%(days)s days of it."
            )
            % {"days": MAX_FIRST_DUE_DAYS}
        )
    _ensure_registered(loan)
    planned = loans.schedule(
        principal=loan.principal,
        annual_rate=loan.annual_rate,
        term_months=loan.term_months,
        method=loan.method,
        first_due=first_due,
    )
    Instalment.objects.bulk_create(
        Instalment(
            loan=loan, number=i.number, due=i.due, principal=i.principal, interest=i.interest
        )
        for i in planned
    )
    line = _line(
        loan=loan,
        actor=actor,
        kind=LineKind.LOAN_OUT,
        amount=loan.principal,
        paid_on=disbursed_on,
        fund_id=loan.programme.fund_id,
        method=method,
    )
    loan.state, loan.disbursed_on, loan.first_due = LoanState.DISBURSED, disbursed_on, first_due
    loan.disbursed_by, loan.disbursement_line = actor, line
    loan.save(
        update_fields=["state", "disbursed_on", "first_due", "disbursed_by", "disbursement_line"]
    )
    return line


# --- Repayments --------------------------------------------------------------------------------


def _allocations(
    rows: list[InstalmentFigures], amount: Decimal
) -> list[tuple[InstalmentFigures, Decimal, Decimal]]:
    """Oldest instalment first, its interest then its principal."""
    left, result = amount, []
    for row in rows:
        if left <= 0:
            break
        interest = min(left, max(row.interest_left, ZERO))
        left -= interest
        principal = min(left, max(row.principal_left, ZERO))
        left -= principal
        if interest or principal:
            result.append((row, interest, principal))
    return result


def _latest_repayment(loan: Loan) -> Repayment | None:
    return (
        Repayment.objects.filter(loan=loan, reverses__isnull=True, reversal__isnull=True)
        .order_by("-paid_on", "-id")
        .first()
    )


def _refresh_overdue(loan: Loan, today: datetime.date) -> None:
    since = _overdue_since(loan.pk, today) if loan.state == LoanState.DISBURSED else None
    loan.overdue_since = since
    loan.days_past_due = (today - since).days if since else 0
    loan.overdue_checked_on = today
    loan.save(update_fields=["overdue_since", "days_past_due", "overdue_checked_on"])


@transaction.atomic
def loan_repay(
    *,
    actor: User,
    loan: Loan,
    amount: Decimal,
    paid_on: datetime.date,
    method: str = Method.CASH,
    note: str = "",
) -> Repayment:
    """还款: one repayment line, allocated oldest instalment first, interest then principal. The
    exact amount owed settles the loan (early: the interest not accrued is waived)."""
    _require(actor, Role.FINANCE)
    loan = _locked(loan, LoanState.DISBURSED)
    _ensure_in_scope(actor, loan.union_id)
    if method not in (Method.BANK, Method.CASH):
        raise ReliefError(_("A repayment is received by bank transfer or in cash."))
    amount = _checked_amount(amount)
    if not isinstance(paid_on, datetime.date):
        raise ReliefError(_("Enter the date of the repayment."))
    if paid_on < loan.disbursed_on:
        raise ReliefError(
            _("The loan was paid out on %(date)s: a repayment cannot be dated before it.")
            % {"date": loan.disbursed_on.isoformat()}
        )
    latest = _latest_repayment(loan)
    if latest is not None and paid_on < latest.paid_on:
        raise ReliefError(
            _("The last repayment is dated %(date)s: date this one on or after it.")
            % {"date": latest.paid_on.isoformat()}
        )
    paid_on = _ensure_date(paid_on)
    rows = loan_instalments(loan)
    owed = loan_owed(loan, on=paid_on, rows=rows)
    if amount > owed.total:
        raise ReliefError(
            _(
                "Only %(owed)s yuan is owed on %(date)s (to repay the loan in full); %(amount)s "
                "yuan is too much. Enter at most %(owed)s."
            )
            % {"owed": owed.total, "date": paid_on.isoformat(), "amount": amount}
        )
    settles = amount == owed.total
    if settles:
        allocations = [(row, i, p) for row, i, p in owed.charges if i or p]
        for row in rows:
            waived = owed.waived.get(row.instalment.pk, ZERO) if owed.early else ZERO
            if waived:
                Instalment.objects.filter(pk=row.instalment.pk).update(interest_waived=waived)
    else:
        allocations = _allocations(rows, amount)
    line = _line(
        loan=loan,
        actor=actor,
        kind=LineKind.REPAYMENT,
        amount=amount,
        paid_on=paid_on,
        fund_id=loan.programme.fund_id,
        method=method,
        note=(note or "").strip(),
    )
    repayment = Repayment.objects.create(
        loan=loan,
        paid_on=paid_on,
        amount=amount,
        early_settlement=settles and owed.early,
        line=line,
        note=(note or "").strip(),
        recorded_by=actor,
    )
    RepaymentAllocation.objects.bulk_create(
        RepaymentAllocation(repayment=repayment, instalment=row.instalment, interest=i, principal=p)
        for row, i, p in allocations
    )
    if settles:
        loan.state, loan.repaid_on = LoanState.REPAID, paid_on
        loan.save(update_fields=["state", "repaid_on"])
    _refresh_overdue(loan, timezone.localdate())
    return repayment


@transaction.atomic
def repayment_reverse(
    *, actor: User, repayment: Repayment, reason: str, paid_on: datetime.date
) -> Repayment:
    """冲销 a repayment recorded by mistake: a reversal line and a negative Repayment pointing
    at it; the allocations no longer count, an early settlement's waiver is restored."""
    _require(actor, Role.FINANCE)
    repayment = Repayment.objects.select_related("line").get(pk=repayment.pk)
    loan = _locked(repayment.loan, LoanState.DISBURSED, LoanState.REPAID)
    _ensure_in_scope(actor, loan.union_id)
    if repayment.reverses_id is not None:
        raise ReliefError(_("A reversal cannot itself be reversed: record the repayment again."))
    if Repayment.objects.filter(reverses=repayment).exists():
        raise ReliefError(_("This repayment was already reversed."))
    latest = _latest_repayment(loan)
    if latest is not None and latest.pk != repayment.pk:
        raise ReliefError(
            _("A later repayment (%(date)s) was allocated after this one: reverse it first.")
            % {"date": latest.paid_on.isoformat()}
        )
    if loan.subsidy_line_id:
        raise ReliefError(
            _(
                "The interest subsidy of this loan has been paid: its repayments can no longer "
                "be reversed."
            )
        )
    reason = (reason or "").strip()
    if not reason:
        raise ReliefError(_("State why the repayment is reversed; it is kept in the ledger."))
    paid_on = _ensure_date(paid_on)
    if paid_on < repayment.paid_on:
        raise ReliefError(
            _("A reversal is dated on or after the line it reverses (%(date)s).")
            % {"date": repayment.paid_on.isoformat()}
        )
    line = _line(
        loan=loan,
        actor=actor,
        kind=LineKind.REVERSAL,
        amount=-repayment.amount,
        paid_on=paid_on,
        fund_id=repayment.line.fund_id,
        method=repayment.line.method,
        note=reason,
        reverses=repayment.line,
    )
    reversal = Repayment.objects.create(
        loan=loan,
        paid_on=paid_on,
        amount=-repayment.amount,
        line=line,
        reverses=repayment,
        note=reason,
        recorded_by=actor,
    )
    if repayment.early_settlement:
        Instalment.objects.filter(loan=loan).update(interest_waived=ZERO)
    if loan.state == LoanState.REPAID:
        loan.state, loan.repaid_on = LoanState.DISBURSED, None
        loan.save(update_fields=["state", "repaid_on"])
    _refresh_overdue(loan, timezone.localdate())
    return reversal


# --- Overdue -----------------------------------------------------------------------------------


def _unpaid_past_due(today: datetime.date):
    return (
        instalments_with_paid()
        .filter(due__lt=today)
        .annotate(
            left=F("principal")
            + F("interest")
            - F("interest_waived")
            - F("interest_paid")
            - F("principal_paid")
        )
        .filter(left__gt=0)
    )


def _overdue_since(loan_id: int, today: datetime.date) -> datetime.date | None:
    row = _unpaid_past_due(today).filter(loan_id=loan_id).order_by("due").values("due").first()
    return row["due"] if row else None


def loans_mark_overdue(*, today: datetime.date | None = None) -> int:
    """Daily (CELERY_BEAT_SCHEDULE): for every disbursed loan, the due date of its oldest
    instalment unpaid after its due date and the days past due to `today`; loans no longer in
    arrears are cleared. Safe to run twice. Returns how many loans are past due."""
    today = today or timezone.localdate()
    oldest = _unpaid_past_due(today).filter(loan=OuterRef("pk")).order_by("due").values("due")[:1]
    overdue = 0
    loans_ = Loan.objects.filter(state=LoanState.DISBURSED).annotate(since=Subquery(oldest))
    for loan in loans_.only("pk", "overdue_since", "days_past_due", "overdue_checked_on"):
        days = (today - loan.since).days if loan.since else 0
        overdue += days > 0
        Loan.objects.filter(pk=loan.pk, state=LoanState.DISBURSED).update(
            overdue_since=loan.since, days_past_due=days, overdue_checked_on=today
        )
    Loan.objects.exclude(state=LoanState.DISBURSED).filter(days_past_due__gt=0).update(
        days_past_due=0, overdue_since=None, overdue_checked_on=today
    )
    return overdue


# --- The interest subsidy (贴息) -----------------------------------------------------------------


def subsidy_calculation(loan: Loan) -> dict:
    """The subsidy of a repaid loan from its recorded repayments (the rule in the docstring)."""
    interest_paid = loan_outstanding(loan)["interest_paid"]
    rate, cap = loan.annual_rate, loan.borrower_rate_cap
    subsidy = to_fen(interest_paid * (rate - cap) / rate) if rate > cap and rate > 0 else ZERO
    return {
        "interest_paid": str(interest_paid),
        "annual_rate": str(rate),
        "borrower_rate_cap": str(cap),
        "formula": "interest_paid × (annual_rate − borrower_rate_cap) ÷ annual_rate",
        "subsidy": str(subsidy),
    }


@transaction.atomic
def loan_subsidy_pay(*, actor: User, loan: Loan, paid_on: datetime.date) -> Disbursement:
    """贴息: after full repayment, one subsidy line from the programme's subsidy fund refunding
    the interest paid above the borrower's cap; the calculation is kept on the loan."""
    _require(actor, Role.FINANCE)
    loan = _locked(loan, LoanState.REPAID)
    _ensure_in_scope(actor, loan.union_id)
    if loan.subsidy_line_id:
        raise ReliefError(_("The subsidy of this loan has already been paid."))
    ensure_separate_duties(
        user_id=actor.pk, duty=Duty.PAY, done_by={Duty.APPROVE: [loan.approved_by_id]}
    )
    paid_on = _ensure_date(paid_on)
    if paid_on < loan.repaid_on:
        raise ReliefError(
            _("The loan was repaid on %(date)s: date the subsidy on or after it.")
            % {"date": loan.repaid_on.isoformat()}
        )
    calculation = subsidy_calculation(loan)
    subsidy = Decimal(calculation["subsidy"])
    if subsidy <= 0:
        raise ReliefError(
            _("No subsidy is due: the borrower paid no interest above the cap of %(cap)s.")
            % {"cap": loan.borrower_rate_cap}
        )
    line = _line(
        loan=loan,
        actor=actor,
        kind=LineKind.SUBSIDY,
        amount=subsidy,
        paid_on=paid_on,
        fund_id=loan.programme.subsidy_fund_id,
        method=Method.BANK,
        note=_("Interest subsidy (贴息)"),
    )
    loan.subsidy_line, loan.subsidy_calculation = line, calculation
    loan.save(update_fields=["subsidy_line", "subsidy_calculation"])
    return line


# --- Write-off (核销) ---------------------------------------------------------------------------


@transaction.atomic
def write_off_propose(*, actor: User, loan: Loan, reason: str) -> WriteOff:
    """A loan past the programme's threshold proposed for write-off, with the figures."""
    _require(actor, Role.FINANCE, Role.SUPERVISOR)
    loan = _locked(loan, LoanState.DISBURSED)
    _ensure_in_scope(actor, loan.union_id)
    today = timezone.localdate()
    _refresh_overdue(loan, today)
    threshold = loan.programme.write_off_after_days
    if loan.days_past_due < threshold:
        raise ReliefError(
            _(
                "A loan may be proposed for write-off after %(threshold)s days past due; this "
                "one is %(days)s days past due."
            )
            % {"threshold": threshold, "days": loan.days_past_due}
        )
    if WriteOff.objects.filter(loan=loan).exists():
        raise ReliefError(_("This loan has already been proposed for write-off."))
    reason = (reason or "").strip()
    if not reason:
        raise ReliefError(
            _("State why the loan cannot be recovered; it is kept with the write-off.")
        )
    rows = loan_instalments(loan)
    interest = sum((r.interest_left for r in rows if r.instalment.due <= today), ZERO)
    principal = sum((r.principal_left for r in rows), ZERO)
    return WriteOff.objects.create(
        loan=loan,
        reason=reason,
        days_past_due=loan.days_past_due,
        principal_outstanding=principal,
        interest_outstanding=interest,
        proposed_by=actor,
    )


@transaction.atomic
def write_off_approve(*, actor: User, write_off: WriteOff) -> WriteOff:
    """Approved by a supervisor other than the proposer: the loan is written off and each
    guarantor's obligation (their share of what is outstanding) recorded."""
    _require(actor, Role.SUPERVISOR)
    write_off = WriteOff.objects.select_for_update().get(pk=write_off.pk)
    loan = _locked(write_off.loan, LoanState.DISBURSED)
    _ensure_in_scope(actor, loan.union_id)
    if write_off.approved_by_id:
        raise ReliefError(_("This write-off has already been approved."))
    if write_off.proposed_by_id == actor.pk:
        raise ReliefError(
            _("You proposed this write-off, so you may not approve it: another supervisor must.")
        )
    owed = write_off.principal_outstanding + write_off.interest_outstanding
    obligations = []
    for guarantor in loan.guarantors.all():
        guarantor.obligation = to_fen(owed * guarantor.share / 100)
        guarantor.save(update_fields=["obligation"])
        obligations.append(
            {
                "name": guarantor.name,
                "share": str(guarantor.share),
                "obligation": str(guarantor.obligation),
            }
        )
    write_off.approved_by, write_off.approved_at = actor, timezone.now()
    write_off.guarantor_obligations = obligations
    write_off.save(update_fields=["approved_by", "approved_at", "guarantor_obligations"])
    loan.state = LoanState.WRITTEN_OFF
    loan.save(update_fields=["state"])
    return write_off
