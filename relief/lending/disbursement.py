"""发放借款: paying out an approved loan, its schedule computed (relief.loans.schedule) and
stored, one loan_out line in the ledger."""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from helpcenter.duties import Duty, ensure_separate_duties
from helpcenter.models import Role, User
from households.choices import Status
from relief import loans
from relief.lending.common import (
    MAX_FIRST_DUE_DAYS,
    _ensure_in_scope,
    _line,
    _locked,
    _require,
)
from relief.models import (
    Disbursement,
    Instalment,
    LineKind,
    Loan,
    LoanState,
    Method,
)
from relief.services import (
    ReliefError,
    _ensure_date,
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
