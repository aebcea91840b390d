"""贴息: after full repayment, the interest paid above the borrower's cap refunded in one line
from the programme's subsidy fund, the calculation kept on the loan."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from helpcenter.duties import Duty, ensure_separate_duties
from helpcenter.models import Role, User
from relief.lending.common import (
    ZERO,
    _ensure_in_scope,
    _line,
    _locked,
    _require,
)
from relief.lending.figures import (
    loan_outstanding,
)
from relief.loans import to_fen
from relief.models import (
    Disbursement,
    LineKind,
    Loan,
    LoanState,
    Method,
)
from relief.services import (
    ReliefError,
    _ensure_date,
)


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
