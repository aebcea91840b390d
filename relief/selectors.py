"""Reads of the money: the fund figures, the to-pay queue, the ledger and its totals, one
household's ledger. Every figure is summed by the database (correlated subqueries and
aggregates), never by a Python loop over rows, so a page costs the same few queries however
many lines there are."""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import (
    CharField,
    Count,
    DecimalField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, ExtractYear, Greatest
from django.utils import timezone

from helpcenter.models import union_scope
from households.models import Household
from relief.models import (
    Budget,
    Disbursement,
    Entitlement,
    EntitlementState,
    Fund,
    FundYear,
    LedgerMonth,
    LineKind,
    Programme,
)

MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY_FIELD)
PAYABLE = [EntitlementState.TO_PAY, EntitlementState.PARTLY_PAID]


def sum_of(queryset: QuerySet, field: str = "amount") -> Coalesce:
    """SUM(`field`) of the rows of `queryset` (correlated with OuterRef), 0 when there are none:
    one scalar subquery, without a GROUP BY."""
    total = queryset.order_by().annotate(total=Func(F(field), function="SUM")).values("total")
    return Coalesce(Subquery(total[:1], output_field=MONEY_FIELD), ZERO)


# --- The fund page --------------------------------------------------------------------------------


def _figures(queryset: QuerySet, *, budgets: Q | None, committed: Q, paid: Q) -> QuerySet:
    """Annotate allocated (unless the rows are budgets, which carry it), committed, paid, left
    (what approvals may still commit) and unpaid (approved, not yet paid)."""
    if budgets is not None:
        queryset = queryset.annotate(allocated=sum_of(Budget.objects.filter(budgets), "allocated"))
    return queryset.annotate(
        committed=sum_of(Entitlement.objects.filter(committed)),
        paid=sum_of(Disbursement.objects.filter(paid)),
    ).annotate(left=F("allocated") - F("committed"), unpaid=F("committed") - F("paid"))


def budgets_with_figures(year: int) -> QuerySet:
    """Each budget (a fund's money for one programme) of `year`: allocated, committed (the
    entitlements approved against it), paid (its ledger lines, reversals netted) and left."""
    return _figures(
        Budget.objects.filter(year=year).select_related("programme", "fund"),
        budgets=None,
        committed=Q(budget=OuterRef("pk")),
        paid=Q(budget=OuterRef("pk")),
    ).order_by("fund__name", "programme__position", "programme__name", "position", "id")


def funds_with_figures(year: int) -> QuerySet:
    """Each fund source with a budget in `year`: what it provides that year, and the figures
    of its budgets."""
    provided = FundYear.objects.filter(fund=OuterRef("pk"), year=year).values("amount")[:1]
    return (
        _figures(
            Fund.objects.filter(Exists(Budget.objects.filter(fund=OuterRef("pk"), year=year))),
            budgets=Q(fund=OuterRef("pk"), year=year),
            committed=Q(budget__fund=OuterRef("pk"), budget__year=year),
            paid=Q(budget__fund=OuterRef("pk"), budget__year=year),
        )
        .annotate(provided=Subquery(provided, output_field=MONEY_FIELD))
        .order_by("name")
    )


def programmes_with_figures(year: int) -> QuerySet:
    return _figures(
        Programme.objects.filter(
            Exists(Budget.objects.filter(programme=OuterRef("pk"), year=year))
        ),
        budgets=Q(programme=OuterRef("pk"), year=year),
        committed=Q(budget__programme=OuterRef("pk"), budget__year=year),
        paid=Q(budget__programme=OuterRef("pk"), budget__year=year),
    ).order_by("position", "name")


def fund_totals(year: int) -> dict[str, Decimal]:
    allocated = Budget.objects.filter(year=year).aggregate(t=Coalesce(Sum("allocated"), ZERO))
    committed = Entitlement.objects.filter(budget__year=year).aggregate(
        t=Coalesce(Sum("amount"), ZERO)
    )
    paid = Disbursement.objects.filter(budget__year=year).aggregate(t=Coalesce(Sum("amount"), ZERO))
    totals = {"allocated": allocated["t"], "committed": committed["t"], "paid": paid["t"]}
    totals["left"] = totals["allocated"] - totals["committed"]
    totals["unpaid"] = totals["committed"] - totals["paid"]
    return totals


def budget_years() -> list[int]:
    years = set(Budget.objects.values_list("year", flat=True).distinct())
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)


# --- To pay ---------------------------------------------------------------------------------------


def to_pay_queue(user) -> QuerySet:
    """Entitlements still owed (to pay or partly paid) that `user` may see, oldest approval
    first, each with what was paid and what is left."""
    return (
        Entitlement.objects.visible_to(user)
        .filter(state__in=PAYABLE)
        .select_related("household__head", "programme", "union", "budget__fund")
        .annotate(paid=sum_of(Disbursement.objects.filter(entitlement=OuterRef("pk"))))
        .annotate(left=F("amount") - F("paid"))
        .order_by("approved_at", "id")
    )


def approved_without_entitlement(user) -> QuerySet:
    """Relief applications approved before budgets existed, with no entitlement yet."""
    from cases.models import Application, Kind, State

    return Application.objects.visible_to(user).filter(
        kind=Kind.RELIEF, state=State.APPROVED, entitlement__isnull=True, relief__isnull=False
    )


# --- The ledger -----------------------------------------------------------------------------------


def ledger_lines(user) -> QuerySet:
    """The lines `user` may see (grassroots staff: their union's), newest first, each with the
    voucher of its reversal if it was reversed."""
    reversal = Disbursement.objects.filter(reverses=OuterRef("pk")).values("voucher_number")[:1]
    return (
        Disbursement.objects.visible_to(user)
        .select_related("household__head", "programme", "fund", "union", "payer", "reverses")
        .annotate(reversed_by=Subquery(reversal, output_field=CharField()))
        .order_by("-paid_on", "-id")
    )


def ledger_page(lines: QuerySet, *, start: int, stop: int, names: dict[str, dict]) -> list:
    """Lines `start` to `stop` of the ledger `lines` (scoped, filtered, newest first), ready for
    the page. Two queries whatever the page: the page's keys first, on the ordering's index alone
    (the lines an OFFSET skips are neither joined nor looked up), then those lines with their
    household, head, payer, reversed line and the voucher of their reversal. Union, programme and
    fund come from `names` (name → {pk: row}: the filter's lists, already read for its choices):
    three joins fewer, and the planner's time for eight joined tables was most of the page's."""
    keys = list(lines.values_list("pk", flat=True)[start:stop])
    reversal = Disbursement.objects.filter(reverses=OuterRef("pk")).values("voucher_number")[:1]
    rows = list(
        Disbursement.objects.filter(pk__in=keys)
        .select_related("household__head", "payer", "reverses")
        .annotate(reversed_by=Subquery(reversal, output_field=CharField()))
        .order_by("-paid_on", "-id")
    )
    for row in rows:
        for name, known in names.items():
            if (related := known.get(getattr(row, f"{name}_id"))) is not None:
                setattr(row, name, related)
    return rows


def ledger_totals(lines: QuerySet) -> dict:
    """Count and sums of a (filtered) ledger in one query: payments, reversals and net."""
    return lines.order_by().aggregate(
        count=Count("pk"),
        # Relief money only: a micro-loan's lines (loan out, repayments, subsidy and their
        # reversals, relief.lending) are listed but not netted with relief.
        net=Coalesce(Sum("amount", filter=Q(loan__isnull=True)), ZERO),
        payments=Coalesce(Sum("amount", filter=Q(kind=LineKind.PAYMENT)), ZERO),
        reversals=Coalesce(
            Sum("amount", filter=Q(kind=LineKind.REVERSAL, loan__isnull=True)), ZERO
        ),
    )


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_bounds(index: int) -> tuple[date, date]:
    year, month = divmod(index, 12)
    return date(year, month + 1, 1), date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def ledger_totals_kept(*, user, cleaned: dict) -> dict | None:
    """ledger_totals of the ledger page's filters (LedgerFilter's cleaned data) from the month
    sums PostgreSQL keeps (relief.models.LedgerMonth): whole months from there, the days of a
    partly covered first or last month from the lines. None where no sums are kept (SQLite):
    then the caller sums the lines. tests/test_ledger_months.py compares both on PostgreSQL."""
    if connection.vendor != "postgresql":
        return None
    start, end = cleaned.get("paid_from"), cleaned.get("paid_to")
    if year := cleaned.get("year"):  # the filter's NumberFilter gives a Decimal
        year = int(year)
        start = max(start or date(year, 1, 1), date(year, 1, 1))
        end = min(end or date(year, 12, 31), date(year, 12, 31))
    same = Q()
    for name in ("programme", "fund", "union", "method", "kind"):
        if cleaned.get(name):
            same &= Q(**{name: cleaned[name]})
    scope = union_scope(user)
    if scope is not None:
        same &= scope
    months = LedgerMonth.objects.filter(same)
    edges = Q(pk__in=[])
    if start and end and start > end:
        return {
            "count": 0,
            "net": Decimal("0.00"),
            "payments": Decimal("0.00"),
            "reversals": Decimal("0.00"),
        }
    if start or end:
        first = _month_index(start) if start else 0
        last = _month_index(end) if end else 10**6
        whole_from = first if not start or start.day == 1 else first + 1
        whole_to = last if not end or end == _month_bounds(last)[1] else last - 1
        months = months.annotate(index=F("year") * 12 + F("month") - 1).filter(
            index__gte=whole_from, index__lte=whole_to
        )
        if whole_from > whole_to:  # inside one month (or two partly covered ones)
            edges = Q(paid_on__gte=start or date.min, paid_on__lte=end or date.max)
        else:
            if whole_from != first:
                edges |= Q(paid_on__gte=start, paid_on__lte=_month_bounds(first)[1])
            if whole_to != last:
                edges |= Q(paid_on__gte=_month_bounds(last)[0], paid_on__lte=end)
    kept = months.aggregate(
        count=Coalesce(Sum("lines"), 0),
        net=Coalesce(Sum("amount", filter=Q(is_loan=False)), ZERO),
        payments=Coalesce(Sum("amount", filter=Q(kind=LineKind.PAYMENT)), ZERO),
        reversals=Coalesce(Sum("amount", filter=Q(kind=LineKind.REVERSAL, is_loan=False)), ZERO),
    )
    rest = ledger_totals(Disbursement.objects.filter(same).filter(edges))
    return {name: kept[name] + rest[name] for name in kept}


# --- One household, one ledger --------------------------------------------------------------------


@dataclass
class HouseholdLedger:
    lines: QuerySet
    years: QuerySet  # year, payments, reversals, net
    caps: QuerySet  # programmes with a yearly cap: received this year and left


def household_ledger(household: Household, *, year: int | None = None) -> HouseholdLedger:
    """Every line paid to `household` across programmes and campaigns (reversals included),
    its totals per year, and what is left this year under each programme's yearly cap (what
    the household received under that programme, against the cap per person)."""
    year = year or timezone.localdate().year
    lines = Disbursement.objects.relief().filter(household=household)  # loans: relief.lending
    reversal = Disbursement.objects.filter(reverses=OuterRef("pk")).values("voucher_number")[:1]
    years = (
        lines.annotate(year=ExtractYear("paid_on"))
        .values("year")
        .annotate(
            payments=Coalesce(Sum("amount", filter=Q(kind=LineKind.PAYMENT)), ZERO),
            reversals=Coalesce(Sum("amount", filter=Q(kind=LineKind.REVERSAL)), ZERO),
            net=Sum("amount"),
        )
        .order_by("-year")
    )
    received = Disbursement.objects.filter(
        household=household, programme=OuterRef("pk"), paid_on__year=year
    )
    caps = (
        Programme.objects.filter(yearly_cap_per_person__isnull=False)
        .annotate(received=sum_of(received))
        .annotate(left=Greatest(F("yearly_cap_per_person") - F("received"), ZERO))
        .order_by("position", "name")
    )
    return HouseholdLedger(
        lines=lines.select_related("programme", "fund", "reverses")
        .annotate(reversed_by=Subquery(reversal, output_field=CharField()))
        .order_by("-paid_on", "-id"),
        years=years,
        caps=caps,
    )
