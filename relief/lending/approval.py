"""Approval of a loan application (cases.hooks, registered in relief.apps): the programme's
limits and the guarantors decided again on the day, and the fund's balance under its lock."""

from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Application
from helpcenter.models import User
from relief.lending.applications import (
    GuarantorData,
    _ensure_guarantors,
    _ensure_limits,
    _loan_of,
)
from relief.lending.common import (
    ZERO,
    _locked,
)
from relief.models import (
    FundYear,
    Loan,
    LoanState,
    RepaymentAllocation,
)
from relief.services import (
    ReliefError,
    _money,
)


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
