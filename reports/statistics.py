"""The figures of the period statistics (月报/季报/年报) and of the dashboards' charts.

Every figure is a database aggregate (COUNT, SUM, GROUP BY): no selector loads households or
ledger lines into Python, so each costs the same few queries however many rows there are.
`union` is a helpcenter Union (its own files and lines only) or None for the whole county.
Labels are translated in the active language (the report builder activates Chinese).

What "in hardship on a day" means (households.models keeps no status column per day):
a file registered on or before the day (`registered_on`), not ended on or before it
(`ended_on`, the exit or removal date of a file that is exited or removed now), and with no
exit or removal event (HouseholdEvent EXITED/REMOVED) recorded on or before the day that is
not followed by a reinstatement (REINSTATED) recorded on or before the day — so a file exited
and reinstated later is counted out between the two.

Category and degree on a day are those of the latest classification (Classification) decided
on or before the day; a file with none then (imported or classified later) counts with the
category and degree on the file now. Causes, employment and union have no history: the file's
current values are counted.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from households.choices import Category, Cause, Degree, Employment, Status
from households.models import Classification, EventAction, Household, HouseholdEvent
from relief.models import (
    Budget,
    Disbursement,
    Entitlement,
    Fund,
    FundYear,
    LineKind,
    Loan,
    LoanState,
    Programme,
    RepaymentAllocation,
)

EXIT_TARGET = Decimal("0.30")  # DOMAIN.md: at least 30 % of the registered households a year
ZERO = Decimal("0.00")
TEN_THOUSAND = Decimal(10000)


def money(value) -> Decimal:
    """A database sum (SQLite may give a float-like Decimal or None) to the fen."""
    return Decimal(value or 0).quantize(Decimal("0.01"), ROUND_HALF_UP)


def wan(value: Decimal) -> Decimal:
    """元 as 万元, to 4 decimals (1,005,500.00 元 → 100.5500 万元; reports print 2)."""
    return (Decimal(value) / TEN_THOUSAND).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def _union_q(union, field: str = "union_id") -> Q:
    return Q() if union is None else Q(**{field: union.pk})


def _day_after(day: datetime.date) -> datetime.datetime:
    """The first instant after `day` in the county's time zone (events are datetimes)."""
    return timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    )


# --- Households -----------------------------------------------------------------------------


def _in_hardship(day: datetime.date) -> Q:
    """The condition of in_hardship_on on a Household query (usable inside an aggregate)."""
    before = _day_after(day)
    reinstated_after = HouseholdEvent.objects.filter(
        household=OuterRef("household"),
        action=EventAction.REINSTATED,
        at__gt=OuterRef("at"),
        at__lt=before,
    )
    out_then = HouseholdEvent.objects.filter(
        household=OuterRef("pk"),
        action__in=[EventAction.EXITED, EventAction.REMOVED],
        at__lt=before,
    ).filter(~Exists(reinstated_after))
    return Q(registered_on__lte=day) & ~Q(ended_on__lte=day) & ~Q(Exists(out_then))


def in_hardship_on(day: datetime.date, *, union=None) -> QuerySet:
    """The files in hardship on `day` (the module's definition), of `union` or the county."""
    return Household.objects.filter(_union_q(union), _in_hardship(day))


def _classified_on(day: datetime.date, field: str) -> Coalesce:
    latest = Classification.objects.filter(
        household=OuterRef("pk"), decided_at__lt=_day_after(day)
    ).order_by("-decided_at", "-id")
    return Coalesce(Subquery(latest.values(field)[:1], output_field=CharField()), F(field))


def _labelled(counts: dict, choices, *, blank: str) -> list[tuple[str, int]]:
    """(label, count) in the order of `choices`, then any value not among them, then blank."""
    rows = [(str(label), counts.pop(value, 0)) for value, label in choices]
    rows += [(str(value), count) for value, count in counts.items() if value]
    if counts.get(""):
        rows.append((blank, counts[""]))
    return rows


def classified_on(*, union=None, on: datetime.date) -> dict[tuple[str, str], int]:
    """Files in hardship on `on` per (category, degree) as classified on that day: the one
    query behind households_by_category and households_by_degree (the report uses both)."""
    return {
        (category, degree): count
        for category, degree, count in in_hardship_on(on, union=union)
        .annotate(
            category_then=_classified_on(on, "category"), degree_then=_classified_on(on, "degree")
        )
        .values("category_then", "degree_then")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("category_then", "degree_then", "count")
    }


def _fold(counts: dict[tuple[str, str], int], index: int) -> dict[str, int]:
    folded: dict[str, int] = {}
    for key, count in counts.items():
        folded[key[index]] = folded.get(key[index], 0) + count
    return folded


def households_by_category(
    *, union=None, on: datetime.date, classified: dict | None = None
) -> list[tuple[str, int]]:
    """Files in hardship on `on` (in_hardship_on) by category as classified on that day: every
    category of the standard in order (zero included), then 未分类 for files without one if any.
    One query (none when `classified`, classified_on's counts, is given)."""
    counts = _fold(classified_on(union=union, on=on) if classified is None else classified, 0)
    return _labelled(counts, Category.choices, blank=_("Not classified"))


def households_by_degree(
    *, union=None, on: datetime.date, classified: dict | None = None
) -> list[tuple[str, int]]:
    """Files in hardship on `on` by degree as classified on that day (blank: 未定困难程度)."""
    counts = _fold(classified_on(union=union, on=on) if classified is None else classified, 1)
    return _labelled(counts, Degree.choices, blank=_("Degree not set"))


def households_by_cause(*, union=None, on: datetime.date) -> list[tuple[str, int]]:
    """Files in hardship on `on` having each cause (a file with several counts under each, so
    the rows add up to more than the files). One query, one filtered COUNT per cause."""
    counts = in_hardship_on(on, union=union).aggregate(
        **{
            value: Count("pk", filter=Q(causes__icontains=f'"{value}"'))
            for value, _label in Cause.choices
        }
    )
    return [(str(label), counts[value]) for value, label in Cause.choices]


def households_by_employment(*, union=None, on: datetime.date) -> list[tuple[str, int]]:
    """Files in hardship on `on` by the worker's employment status now."""
    counts = dict(
        in_hardship_on(on, union=union)
        .values("employment")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("employment", "count")
    )
    return _labelled(counts, Employment.choices, blank=_("Employment not recorded"))


def households_by_union(*, union=None, on: datetime.date) -> list[tuple[str, int]]:
    """Files in hardship on `on` per grassroots union (unions with none left out), by code."""
    return [
        (name, count)
        for name, count in in_hardship_on(on, union=union)
        .values("union__code", "union__name")
        .annotate(count=Count("pk"))
        .order_by("union__code")
        .values_list("union__name", "count")
    ]


@dataclass(frozen=True)
class Movements:
    """Files that changed in a period (each file counted once per row, however often)."""

    at_start: int  # in hardship on the day before the period
    new: int  # registered in the period (registered_on)
    exited: int  # exited hardship in the period (an EXITED event, or ended_on for exited files)
    removed: int  # removed in the period (a REMOVED event, or ended_on for removed files)
    reinstated: int  # reinstated in the period (a REINSTATED event)
    at_end: int  # in hardship on the last day of the period


def _ended_in(action: str, status: str, start: datetime.date, end: datetime.date) -> Q:
    """Files with an `action` event recorded in [start, end], or whose file is `status` now
    with its end date in [start, end] (files imported or generated without the event)."""
    event = HouseholdEvent.objects.filter(
        household=OuterRef("pk"),
        action=action,
        at__gte=_day_after(start - datetime.timedelta(days=1)),
        at__lt=_day_after(end),
    )
    return Q(Exists(event)) | Q(status=status, ended_on__gte=start, ended_on__lte=end)


def movements(*, start: datetime.date, end: datetime.date, union=None) -> Movements:
    """New, exited, removed and reinstated files of [start, end] and the files in hardship
    before and after. Three queries."""
    files = Household.objects.filter(_union_q(union))
    reinstated = HouseholdEvent.objects.filter(
        household=OuterRef("pk"),
        action=EventAction.REINSTATED,
        at__gte=_day_after(start - datetime.timedelta(days=1)),
        at__lt=_day_after(end),
    )
    changed = files.aggregate(
        new=Count("pk", filter=Q(registered_on__gte=start, registered_on__lte=end)),
        exited=Count("pk", filter=_ended_in(EventAction.EXITED, Status.EXITED, start, end)),
        removed=Count("pk", filter=_ended_in(EventAction.REMOVED, Status.REMOVED, start, end)),
        reinstated=Count("pk", filter=Q(Exists(reinstated))),
    )
    return Movements(
        at_start=in_hardship_on(start - datetime.timedelta(days=1), union=union).count(),
        at_end=in_hardship_on(end, union=union).count(),
        **changed,
    )


@dataclass(frozen=True)
class ExitRate:
    """脱困率 of a year to a day `until` in it (31 December: the whole year; the end of a month
    or quarter: the year to date): the files whose exit stands on `until` over the files on the
    register at some time since 1 January. Only a whole year is judged against the target; a
    rate to date is progress towards it (the base grows with every file registered later).

    Base (应计户数): in hardship on 1 January's eve, plus registered since, plus returned since
    (reinstated after an exit or removal of an earlier year: back on the register without being
    counted at the start or as new). Exited (本年脱困户数): files with an exit since 1 January
    not undone by a reinstatement by `until` (exited and reinstated in the year: not exited;
    exited again after that: exited). Removals are not exits. Each file counts once in each."""

    year: int
    until: datetime.date
    at_start: int  # in hardship at the start of the year (on 31 December before)
    new: int  # registered during the year
    returned: int  # not in hardship at the start, registered before it, reinstated in the year
    exited: int  # exited during the year and not reinstated since, by `until`
    target: Decimal = EXIT_TARGET

    @property
    def base(self) -> int:
        return self.at_start + self.new + self.returned

    @property
    def rate(self) -> Decimal:
        """exited ÷ base as a fraction to 4 places (0.3125 = 31.25 %); 0 for an empty base."""
        if not self.base:
            return Decimal("0.0000")
        return (Decimal(self.exited) / self.base).quantize(Decimal("0.0001"), ROUND_HALF_UP)

    @property
    def met(self) -> bool:
        """The rate reaches the target (a verdict only for a whole year: see `whole_year`)."""
        return self.rate >= self.target

    @property
    def whole_year(self) -> bool:
        return self.until == datetime.date(self.year, 12, 31)


def _exit_stands(start: datetime.date, end: datetime.date) -> Q:
    """Files with an exit in [start, end] not followed by a reinstatement by `end`, or exited
    now with their end date in [start, end] (files imported or generated without the event)."""
    reinstated_after = HouseholdEvent.objects.filter(
        household=OuterRef("household"),
        action=EventAction.REINSTATED,
        at__gt=OuterRef("at"),
        at__lt=_day_after(end),
    )
    standing_exit = HouseholdEvent.objects.filter(
        household=OuterRef("pk"),
        action=EventAction.EXITED,
        at__gte=_day_after(start - datetime.timedelta(days=1)),
        at__lt=_day_after(end),
    ).filter(~Exists(reinstated_after))
    return Q(Exists(standing_exit)) | Q(
        status=Status.EXITED, ended_on__gte=start, ended_on__lte=end
    )


def exit_rate(*, year: int, union=None, until: datetime.date | None = None) -> ExitRate:
    """The exit rate of `year` to `until` (31 December unless given: for the current year, the
    year to date), as ExitRate defines it. Only events dated by `until` count, so the rate of a
    closed period comes out the same whenever it is computed. One query."""
    start = datetime.date(year, 1, 1)
    end = until or datetime.date(year, 12, 31)
    eve = start - datetime.timedelta(days=1)
    reinstated = HouseholdEvent.objects.filter(
        household=OuterRef("pk"),
        action=EventAction.REINSTATED,
        at__gte=_day_after(eve),
        at__lt=_day_after(end),
    )
    counts = Household.objects.filter(_union_q(union)).aggregate(
        at_start=Count("pk", filter=_in_hardship(eve)),
        new=Count("pk", filter=Q(registered_on__gte=start, registered_on__lte=end)),
        returned=Count(
            "pk", filter=Q(registered_on__lt=start) & ~_in_hardship(eve) & Q(Exists(reinstated))
        ),
        exited=Count("pk", filter=_exit_stands(start, end)),
    )
    return ExitRate(year=year, until=end, **counts)


# --- Relief money -------------------------------------------------------------------------------
# Every figure of a period depends only on the ledger lines dated in it (micro-loans' lines left
# out: they are loans). The ledger only grows and a correction is a reversal line dated the day
# it is made, so the figures of a closed period never change, whatever is reversed later:
# - amount: the lines' net (payments less reversals), as relief.selectors.ledger_totals;
# - 人次 (person-times): payment lines less reversal lines. A payment and its reversal in the
#   same period cancel; a reversal dated in a later period counts −1 there, with its −amount;
# - 户 (households): the distinct households whose net over the row's lines is above zero (a
#   household whose payments were all reversed in the period, or with only a reversal in it,
#   is not counted).
# A total row sums the rows' person-times and amounts; its households are distinct over the
# whole period (a household helped twice counts once), so they are not the sum of the rows.


def relief_lines(*, start: datetime.date, end: datetime.date, union=None) -> QuerySet:
    return Disbursement.objects.relief().filter(
        _union_q(union), paid_on__gte=start, paid_on__lte=end
    )


def _person_times() -> Case:
    """+1 for a payment line, −1 for a reversal line."""
    return Case(
        When(kind=LineKind.PAYMENT, then=Value(1)),
        When(kind=LineKind.REVERSAL, then=Value(-1)),
        default=Value(0),
    )


def _group_keys(group: str) -> dict:
    if group == "month":
        return {"group_key": ExtractMonth("paid_on")}
    keys = {"group_key": F(f"{group}_id"), "group_name": F(f"{group}__name")}
    if group == "programme":
        keys["group_position"] = F("programme__position")
    return keys


_PER_KEY_SQL = """
SELECT {keys}SUM(CASE WHEN ROUND(net, 2) > 0 THEN 1 ELSE 0 END), SUM(times), SUM(net)
FROM ({per_household}) per_household
{group_by}
"""


def _relief_rows(lines: QuerySet, keys: dict) -> list[tuple]:
    """(*keys, households, person-times, net amount) per value of `keys` (one row without keys):
    the lines summed per household and key (ORM), then those sums per key (the households with
    a net above zero counted). One query, portable (SQLite stores amounts as floats: the net is
    compared rounded to the fen)."""
    per_household = (
        lines.annotate(**keys)
        .values(*keys, "household")
        .annotate(times=Sum(_person_times()), net=Sum("amount"))
        .order_by()
    )
    inner, params = per_household.query.sql_with_params()
    columns = ", ".join(connection.ops.quote_name(key) for key in keys)
    sql = _PER_KEY_SQL.format(
        keys=f"{columns}, " if keys else "",
        per_household=inner,
        group_by=f"GROUP BY {columns}" if keys else "",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass
class ReliefRow:
    label: str
    households: int = 0
    times: int = 0
    amount: Decimal = ZERO

    @property
    def amount_wan(self) -> Decimal:
        return wan(self.amount)


def _relief_row(label: str, households, times, amount) -> ReliefRow:
    return ReliefRow(label, int(households or 0), int(times or 0), money(amount))


def relief_by(
    group: str, *, start: datetime.date, end: datetime.date, union=None
) -> tuple[list[ReliefRow], ReliefRow]:
    """Relief of [start, end] per programme (`group` "programme", in the programmes' order),
    fund source ("fund", by name) or month ("month"), and the total row, as the section's
    comment defines them. Two queries."""
    lines = relief_lines(start=start, end=end, union=union).order_by()
    found = _relief_rows(lines, _group_keys(group))
    if group == "month":
        rows = [_relief_row(f"{key}月", *figures) for key, *figures in sorted(found)]
    else:
        if group == "programme":
            found = [
                (key, name, *rest) for key, name, _pos, *rest in sorted(found, key=_programme_order)
            ]
        else:
            found = sorted(found, key=lambda row: (row[1], row[0]))
        rows = [_relief_row(name, *figures) for _key, name, *figures in found]
    (totals,) = _relief_rows(lines, {})
    return rows, _relief_row(_("Total"), *totals)


def _programme_order(row: tuple) -> tuple:
    key, name, position, *_figures = row
    return (position, name, key)


RELIEF_GROUPS = ("programme", "fund", "month")

# One pass over the period's relief lines for the three breakdowns and the total (PostgreSQL's
# GROUPING SETS): the lines are first summed per programme, fund, month and household (fewer
# rows than lines: a third of the time at a million lines), those sums per household and
# programme, fund, month or nothing (GROUPING() tells the sets apart, 1 for each key a row is
# not grouped by), then per set and key, as _relief_rows does for one group.
_BREAKDOWN_SQL = """
SELECT grouped, programme_id, fund_id, month,
       COUNT(*) FILTER (WHERE net > 0), COALESCE(SUM(times), 0), COALESCE(SUM(net), 0)
FROM (
    SELECT GROUPING(programme_id, fund_id, month) AS grouped, programme_id, fund_id, month,
           SUM(times) AS times, SUM(net) AS net
    FROM (
        SELECT line.programme_id, line.fund_id, EXTRACT(MONTH FROM line.paid_on)::int AS month,
               line.household_id,
               SUM(CASE line.kind WHEN %(payment)s THEN 1 WHEN %(reversal)s THEN -1 ELSE 0 END)
                   AS times,
               SUM(line.amount) AS net
        FROM {table} line
        WHERE line.loan_id IS NULL AND line.paid_on >= %(start)s AND line.paid_on <= %(end)s
              {union}
        GROUP BY 1, 2, 3, 4
    ) lines
    GROUP BY GROUPING SETS (
        (programme_id, household_id), (fund_id, household_id), (month, household_id),
        (household_id)
    )
) per_household
GROUP BY grouped, programme_id, fund_id, month
"""
_SET_OF = {0b011: "programme", 0b101: "fund", 0b110: "month", 0b111: "total"}


def relief_breakdown(
    *, start: datetime.date, end: datetime.date, union=None
) -> dict[str, tuple[list[ReliefRow], ReliefRow]]:
    """relief_by for each of RELIEF_GROUPS (the same figures, keyed by group). On PostgreSQL
    one query reads the period's lines once (GROUPING SETS), plus two small ones for the
    programmes' and funds' names; elsewhere relief_by's six queries."""
    if connection.vendor != "postgresql":
        return {
            group: relief_by(group, start=start, end=end, union=union) for group in RELIEF_GROUPS
        }
    params = {
        "payment": LineKind.PAYMENT.value,
        "reversal": LineKind.REVERSAL.value,
        "start": start,
        "end": end,
    }
    union_sql = ""
    if union is not None:
        union_sql, params["union"] = "AND line.union_id = %(union)s", union.pk
    sql = _BREAKDOWN_SQL.format(table=Disbursement._meta.db_table, union=union_sql)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    sets: dict[str, list] = {name: [] for name in _SET_OF.values()}
    for grouping, programme, fund, month, households, times, amount in found:
        key = {"programme": programme, "fund": fund, "month": month, "total": None}
        name = _SET_OF[grouping]
        sets[name].append((key[name], households, times, amount))
    programmes = {
        pk: (position, name)
        for pk, position, name in Programme.objects.filter(
            pk__in=[key for key, *_rest in sets["programme"]]
        ).values_list("pk", "position", "name")
    }
    funds = dict(
        Fund.objects.filter(pk__in=[key for key, *_rest in sets["fund"]]).values_list("pk", "name")
    )
    ordering = {
        "programme": lambda row: (*programmes[row[0]], row[0]),
        "fund": lambda row: (funds[row[0]], row[0]),
        "month": lambda row: row[0],
    }
    labels = {
        "programme": lambda key: programmes[key][1],
        "fund": lambda key: funds[key],
        "month": lambda key: f"{key}月",
    }
    _key, *totals = (sets["total"] or [(None, 0, 0, ZERO)])[0]
    total = _relief_row(_("Total"), *totals)
    return {
        group: (
            [
                _relief_row(labels[group](key), *figures)
                for key, *figures in sorted(sets[group], key=ordering[group])
            ],
            total,
        )
        for group in RELIEF_GROUPS
    }


def paid_by_month_and_programme(
    *, year: int, union=None
) -> tuple[list[str], list[tuple[str, list[Decimal]]]]:
    """Net relief paid in `year` per month per programme (payments less reversals, dated by
    the line; loans left out): the twelve month labels (1月…12月) and one series per programme
    that paid anything in the year (its twelve monthly amounts in 元, 0 for a month without
    lines), in the programmes' order — line_chart(labels, series) draws it. One query."""
    rows = (
        Disbursement.objects.relief()
        .filter(_union_q(union), paid_on__year=year)
        .annotate(month=ExtractMonth("paid_on"))
        .values("programme__position", "programme__name", "month")
        .annotate(net=Sum("amount"))
        .order_by("programme__position", "programme__name", "month")
    )
    series: dict[str, list[Decimal]] = {}
    for values in rows:
        months = series.setdefault(values["programme__name"], [ZERO] * 12)
        months[values["month"] - 1] = money(values["net"])
    return [f"{month}月" for month in range(1, 13)], list(series.items())


@dataclass(frozen=True)
class FundUse:
    """One fund source in a year: allocated to its budgets (None for a grassroots union:
    budgets are the county's), committed by approvals (entitlements) and paid (net ledger)."""

    name: str
    allocated: Decimal | None
    committed: Decimal
    paid: Decimal
    provided: Decimal | None = None  # what the fund provides that year (FundYear), if set

    @property
    def share_paid(self) -> Decimal | None:
        if not self.allocated:
            return None
        return (self.paid / self.allocated).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def budget_use_by_fund(*, year: int, union=None) -> list[FundUse]:
    """Each fund source with a budget in `year` (by name): allocated (sum of its budgets of the
    year), committed (entitlements approved against those budgets) and paid (net ledger lines
    charged to those budgets) — the figures of relief.selectors.funds_with_figures, with the
    committed and paid of `union` only when one is given. Three queries."""
    funds = Fund.objects.filter(Exists(Budget.objects.filter(fund=OuterRef("pk"), year=year)))
    allocated = dict(
        Budget.objects.filter(year=year)
        .values("fund_id")
        .annotate(total=Sum("allocated"))
        .order_by()
        .values_list("fund_id", "total")
    )
    committed = dict(
        Entitlement.objects.filter(_union_q(union), budget__year=year)
        .values("budget__fund_id")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("budget__fund_id", "total")
    )
    paid = dict(
        Disbursement.objects.filter(_union_q(union), budget__year=year)
        .values("budget__fund_id")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("budget__fund_id", "total")
    )
    provided = FundYear.objects.filter(fund=OuterRef("pk"), year=year).values("amount")[:1]
    return [
        FundUse(
            name=fund.name,
            allocated=None if union is not None else money(allocated.get(fund.pk)),
            committed=money(committed.get(fund.pk)),
            paid=money(paid.get(fund.pk)),
            provided=None if fund.provided is None or union is not None else money(fund.provided),
        )
        for fund in funds.annotate(provided=Subquery(provided)).order_by("name")
    ]


# --- Loans ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoanFigures:
    """Micro-loans of a period: disbursed in it (disbursed_on), outstanding at its end (the
    principal of the loans disbursed by then and not written off, less the principal repaid on
    them by then by repayments not reversed), and overdue (disbursed loans past due now, as the
    daily check keeps them: count and their outstanding principal)."""

    disbursed_count: int
    disbursed_amount: Decimal
    outstanding_count: int
    outstanding: Decimal
    overdue_count: int
    overdue_amount: Decimal


def loan_figures(*, start: datetime.date, end: datetime.date, union=None) -> LoanFigures:
    """Four queries."""
    loans = Loan.objects.filter(_union_q(union), disbursed_on__isnull=False)
    disbursed = loans.filter(disbursed_on__gte=start, disbursed_on__lte=end).aggregate(
        count=Count("pk"), amount=Coalesce(Sum("principal"), ZERO)
    )
    held = loans.filter(disbursed_on__lte=end).exclude(state=LoanState.WRITTEN_OFF)
    repaid = RepaymentAllocation.objects.filter(
        repayment__loan__in=held,
        repayment__paid_on__lte=end,
        repayment__reversal__isnull=True,
    )
    repaid_by_end = money(repaid.aggregate(total=Sum("principal"))["total"])
    open_by_end = held.exclude(repaid_on__lte=end).aggregate(
        count=Count("pk"), principal=Coalesce(Sum("principal"), ZERO)
    )
    open_principal = held.aggregate(principal=Coalesce(Sum("principal"), ZERO))["principal"]
    overdue_loans = loans.filter(state=LoanState.DISBURSED, days_past_due__gt=0)
    overdue = overdue_loans.aggregate(count=Count("pk"), principal=Coalesce(Sum("principal"), ZERO))
    overdue_repaid = RepaymentAllocation.objects.filter(
        repayment__loan__in=overdue_loans, repayment__reversal__isnull=True
    ).aggregate(total=Sum("principal"))["total"]
    return LoanFigures(
        disbursed_count=disbursed["count"],
        disbursed_amount=money(disbursed["amount"]),
        outstanding_count=open_by_end["count"],
        outstanding=money(open_principal) - repaid_by_end,
        overdue_count=overdue["count"],
        overdue_amount=money(overdue["principal"]) - money(overdue_repaid),
    )


__all__ = [
    "EXIT_TARGET",
    "ExitRate",
    "FundUse",
    "LoanFigures",
    "Movements",
    "ReliefRow",
    "budget_use_by_fund",
    "exit_rate",
    "households_by_category",
    "households_by_cause",
    "households_by_degree",
    "households_by_employment",
    "households_by_union",
    "in_hardship_on",
    "loan_figures",
    "movements",
    "paid_by_month_and_programme",
    "relief_by",
]
