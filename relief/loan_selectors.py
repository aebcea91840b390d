"""Reads of the micro-loans: the loans a user may see, and the portfolio (贷款组合) per union
and lender — outstanding, overdue by aging bucket, repaid, repayment rate and subsidy paid.

Every figure is a database aggregate grouped by (union, lender kind, lender name); the few
groups are then put side by side in Python. Definitions:
- outstanding: principal of the disbursed loans less the principal repaid on them;
- overdue: the outstanding of disbursed loans past due, by the bucket of their days past due
  (relief.lending.aging_bucket; days as kept by the daily task);
- repaid: loans repaid in full (count and principal);
- repayment rate: what was repaid on the instalments due by today ÷ what those instalments
  asked (principal and interest, less interest waived), over every loan disbursed;
- subsidy paid: the subsidy lines (贴息).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from relief.lending import BUCKET_OVER_360, BUCKETS
from relief.models import (
    Disbursement,
    Instalment,
    LenderKind,
    LineKind,
    Loan,
    LoanState,
    RepaymentAllocation,
)

ZERO = Decimal("0.00")


def _money(value) -> Decimal:
    """A sum as the database returns it (SQLite: a float-like Decimal) to the fen."""
    return Decimal(value or 0).quantize(Decimal("0.01"))


BUCKET_NAMES = [name for name, _low, _high in BUCKETS] + [BUCKET_OVER_360]


def loans_visible_to(user) -> QuerySet:
    return Loan.objects.visible_to(user).select_related(
        "household__head", "union", "programme", "application"
    )


def overdue_loans(user) -> QuerySet:
    """Disbursed loans past due that `user` may see, longest overdue first (the inbox)."""
    return (
        loans_visible_to(user)
        .filter(state=LoanState.DISBURSED, days_past_due__gt=0)
        .order_by("-days_past_due", "id")
    )


def _bucket(prefix: str = "") -> Case:
    days = f"{prefix}days_past_due"
    whens = [
        When(**{f"{days}__gte": low, f"{days}__lte": high}, then=Value(name))
        for name, low, high in BUCKETS
    ]
    return Case(
        *whens,
        When(**{f"{days}__gt": 360}, then=Value(BUCKET_OVER_360)),
        default=Value(""),
        output_field=CharField(),
    )


def _keys(prefix: str = "") -> dict:
    return {
        "group_union": F(f"{prefix}union_id"),
        "group_union_name": F(f"{prefix}union__name"),
        "group_lender_kind": F(f"{prefix}programme__lender_kind"),
        "group_lender_name": F(f"{prefix}programme__lender_name"),
    }


KEY = ("group_union", "group_union_name", "group_lender_kind", "group_lender_name")


@dataclass
class PortfolioRow:
    union_name: str
    lender: str
    disbursed: int = 0
    outstanding: Decimal = ZERO
    overdue: dict = field(default_factory=lambda: {name: [0, ZERO] for name in BUCKET_NAMES})
    repaid_count: int = 0
    repaid_principal: Decimal = ZERO
    due_to_date: Decimal = ZERO
    paid_to_date: Decimal = ZERO
    subsidy: Decimal = ZERO
    written_off: int = 0

    @property
    def repayment_rate(self) -> Decimal | None:
        if not self.due_to_date:
            return None
        return (self.paid_to_date * 100 / self.due_to_date).quantize(Decimal("0.1"))

    @property
    def overdue_total(self) -> Decimal:
        return sum((amount for _count, amount in self.overdue.values()), ZERO)

    @property
    def buckets(self) -> list:
        return [(name, *self.overdue[name]) for name in BUCKET_NAMES]


def _lender(kind: str, name: str) -> str:
    if kind == LenderKind.PARTNER and name:
        return name
    return str(LenderKind(kind).label)


def portfolio(user, *, today: datetime.date | None = None, union=None) -> list[PortfolioRow]:
    """The portfolio of the loans `user` may see, one row per union and lender; with `union`,
    only that union's loans. `user` None is the county's view (a report built from the command
    line, scoped by `union` alone)."""
    today = today or timezone.localdate()
    loans = Loan.objects.all() if user is None else Loan.objects.visible_to(user)
    if union is not None:
        loans = loans.filter(union=union)
    rows: dict[tuple, PortfolioRow] = {}

    def row(values: dict) -> PortfolioRow:
        key = tuple(values[k] for k in KEY)
        if key not in rows:
            lender = _lender(values["group_lender_kind"], values["group_lender_name"])
            rows[key] = PortfolioRow(values["group_union_name"], lender)
        return rows[key]

    disbursed = loans.filter(state=LoanState.DISBURSED)
    for values in (
        disbursed.annotate(**_keys(), bucket=_bucket())
        .values(*KEY, "bucket")
        .annotate(count=Count("id"), principal=Sum("principal"))
        .order_by()
    ):
        target = row(values)
        target.disbursed += values["count"]
        target.outstanding += _money(values["principal"])
        if values["bucket"]:
            target.overdue[values["bucket"]][0] += values["count"]
            target.overdue[values["bucket"]][1] += _money(values["principal"])
    repaid_on_open = RepaymentAllocation.objects.filter(
        repayment__loan__in=disbursed, repayment__reversal__isnull=True
    )
    for values in (
        repaid_on_open.annotate(**_keys("repayment__loan__"), bucket=_bucket("repayment__loan__"))
        .values(*KEY, "bucket")
        .annotate(principal=Sum("principal"))
        .order_by()
    ):
        target = row(values)
        target.outstanding -= _money(values["principal"])
        if values["bucket"]:
            target.overdue[values["bucket"]][1] -= _money(values["principal"])
    for values in (
        loans.filter(state__in=[LoanState.REPAID, LoanState.WRITTEN_OFF])
        .annotate(**_keys())
        .values(*KEY)
        .annotate(
            repaid=Count("id", filter=Q(state=LoanState.REPAID)),
            principal=Coalesce(Sum("principal", filter=Q(state=LoanState.REPAID)), ZERO),
            written_off=Count("id", filter=Q(state=LoanState.WRITTEN_OFF)),
        )
        .order_by()
    ):
        target = row(values)
        target.repaid_count += values["repaid"]
        target.repaid_principal += _money(values["principal"])
        target.written_off += values["written_off"]
    due = Instalment.objects.filter(loan__in=loans, due__lte=today)
    for values in (
        due.annotate(**_keys("loan__"))
        .values(*KEY)
        .annotate(total=Sum(F("principal") + F("interest") - F("interest_waived")))
        .order_by()
    ):
        row(values).due_to_date += _money(values["total"])
    for values in (
        RepaymentAllocation.objects.filter(instalment__in=due, repayment__reversal__isnull=True)
        .annotate(**_keys("instalment__loan__"))
        .values(*KEY)
        .annotate(total=Sum(F("principal") + F("interest")))
        .order_by()
    ):
        row(values).paid_to_date += _money(values["total"])
    for values in (
        Disbursement.objects.filter(loan__in=loans, kind=LineKind.SUBSIDY)
        .annotate(**_keys("loan__"))
        .values(*KEY)
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        row(values).subsidy += _money(values["total"])
    return sorted(rows.values(), key=lambda r: (r.union_name, r.lender))


def portfolio_totals(rows: list[PortfolioRow]) -> PortfolioRow:
    total = PortfolioRow("", "")
    for r in rows:
        total.disbursed += r.disbursed
        total.outstanding += r.outstanding
        for name in BUCKET_NAMES:
            total.overdue[name][0] += r.overdue[name][0]
            total.overdue[name][1] += r.overdue[name][1]
        total.repaid_count += r.repaid_count
        total.repaid_principal += r.repaid_principal
        total.due_to_date += r.due_to_date
        total.paid_to_date += r.paid_to_date
        total.subsidy += r.subsidy
        total.written_off += r.written_off
    return total


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    x: int
    y: int
    width: int
    height: int


CHART_HEIGHT, CHART_BAR, CHART_GAP, CHART_TOP = 160, 56, 24, 20


def overdue_chart(total: PortfolioRow) -> list[Bar]:
    """Bars of the outstanding overdue by bucket, scaled to the chart's height (drawn in SVG by
    the template: no script, no inline style)."""
    values = [(name, total.overdue[name][1]) for name in BUCKET_NAMES]
    largest = max((value for _name, value in values), default=ZERO) or Decimal(1)
    bars = []
    for index, (name, value) in enumerate(values):
        height = int(value * CHART_HEIGHT / largest) if value > 0 else 0
        x = CHART_GAP + index * (CHART_BAR + CHART_GAP)
        bars.append(Bar(name, value, x, CHART_TOP + CHART_HEIGHT - height, CHART_BAR, height))
    return bars


def overdue_loan_cards(user) -> list:
    """The inbox card of caseworkers and finance (helpcenter.dashboard.CARD_PROVIDERS, filled in
    relief.apps): the overdue loans in their scope, with the reminder to visit."""
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _
    from django.utils.translation import pgettext_lazy

    from helpcenter.dashboard import Card
    from helpcenter.models import Role

    if not user.has_role(Role.CASEWORKER, Role.FINANCE):
        return []
    return [
        Card(
            _("Overdue loans: visit the borrowers"),
            overdue_loans(user).count(),
            pgettext_lazy("count unit", "loans"),
            f"{reverse('relief:loan_portfolio')}#overdue-loans",
        )
    ]
