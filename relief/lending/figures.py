"""The figures of one loan, read from the database: what is paid on each instalment (the
allocations of the repayments not reversed), what settles the loan on a day (`loan_owed`, the
rule in relief.lending's docstring) and what is outstanding."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from relief.lending.common import (
    DAYS_IN_YEAR,
    MONEY_FIELD,
    ZERO,
)
from relief.loans import to_fen
from relief.models import (
    Instalment,
    Loan,
    RepaymentAllocation,
)
from relief.services import (
    _money,
)


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
