"""还款: repayments allocated oldest instalment first (interest, then principal), early full
repayment, the reversal of the latest repayment, and the daily overdue marking."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from helpcenter.models import Role, User
from relief.lending.common import (
    ZERO,
    _ensure_in_scope,
    _line,
    _locked,
    _require,
)
from relief.lending.figures import (
    InstalmentFigures,
    instalments_with_paid,
    loan_instalments,
    loan_owed,
)
from relief.models import (
    Instalment,
    LineKind,
    Loan,
    LoanState,
    Method,
    Repayment,
    RepaymentAllocation,
)
from relief.services import (
    ReliefError,
    _checked_amount,
    _ensure_date,
)

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
