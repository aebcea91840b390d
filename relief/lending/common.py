"""What every step of a micro-loan shares: the aging buckets, the checks of who acts (role,
scope) and of the loan's state on its locked row, and the ledger line a step writes."""

from decimal import Decimal

from django.db.models import DecimalField
from django.utils.translation import gettext as _

from helpcenter.models import Role, User, in_scope
from relief.models import (
    Disbursement,
    Loan,
)
from relief.services import (
    ReliefError,
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
