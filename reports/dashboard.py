"""The dashboard picture: the key figures of this year as charts on the home page.

Who: supervisors, finance and auditors (permission reports.view_dashboard_charts). Supervisors
steer the exit target and the files, finance the money and the budgets, auditors check both;
all three already read every figure shown here (households, the ledger, the funds). Caseworkers
and administrators keep their work cards only: a caseworker's page is the queue of their own
cases, and an administrator's job is accounts and settings, not the assistance figures.

Scope: the user's own (helpcenter.models.union_scope): county staff see the county, grassroots
staff their union's files and ledger lines only, anyone without a union nothing. The figures
are reports.statistics' aggregates (the same as the period statistics), drawn fresh on every
visit (nothing is cached) with a fixed number of queries whatever the amount of data.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from helpcenter.dashboard import Chart
from helpcenter.models import Union, User, union_scope
from reports import statistics
from reports.charts import bar_chart, line_chart, pie_chart

HUNDRED = Decimal(100)


def _scope_union(user: User) -> tuple[bool, Union | None]:
    """(whether the user sees any figures, the union they are limited to or None: the county)."""
    if user.union_id is None:
        return False, None
    return True, None if union_scope(user) is None else user.union


def statistics_charts(user: User) -> list[Chart]:
    if not user.has_perm("reports.view_dashboard_charts"):
        return []
    sees_any, union = _scope_union(user)
    if not sees_any:
        return []
    today = timezone.localdate()
    return [
        households_chart(union, today),
        exit_rate_chart(union, today.year),
        paid_chart(user, union, today.year),
        budget_chart(user, union, today.year),
    ]


def households_chart(union: Union | None, today) -> Chart:
    counts = statistics.households_by_category(union=union, on=today)
    total = sum(count for _label, count in counts)
    return Chart(
        svg=pie_chart(
            counts, title=_("Households in hardship by category, %(year)d") % {"year": today.year}
        ),
        note=_("%(count)d households in hardship on %(day)s.")
        % {"count": total, "day": today.isoformat()},
        url=reverse("households:list"),
        link_text=_("Open the household files"),
    )


def exit_rate_chart(union: Union | None, year: int) -> Chart:
    rate = statistics.exit_rate(year=year, union=union)
    data = [
        (_("Exit rate"), _percent(rate.rate)),
        (_("Target"), _percent(rate.target)),
    ]
    if rate.met:
        note = _("%(exited)d of %(base)d households exited this year: the target is met.")
    else:
        note = _("%(exited)d of %(base)d households exited this year: the target is not met yet.")
    return Chart(
        svg=bar_chart(
            data,
            title=_("Exit rate against the target, %(year)d") % {"year": year},
            unit="%",
            maximum=100,
        ),
        note=note % {"exited": rate.exited, "base": rate.base},
    )


def paid_chart(user: User, union: Union | None, year: int) -> Chart:
    labels, series = statistics.paid_by_month_and_programme(year=year, union=union)
    total = sum((sum(amounts, Decimal(0)) for _name, amounts in series), Decimal(0))
    return Chart(
        svg=line_chart(
            labels,
            series,
            title=_("Relief paid per month by programme, %(year)d") % {"year": year},
            unit=_("yuan"),
        ),
        note=_("%(amount)s yuan paid in total (net of reversals, loans left out).")
        % {"amount": f"{total:,.2f}"},
        url=reverse("relief:ledger") if user.has_perm("relief.view_ledger") else None,
        link_text=_("Open the ledger"),
    )


def budget_chart(user: User, union: Union | None, year: int) -> Chart:
    """For the county, the share of each fund's budgets paid; a grassroots union has no budgets
    of its own (they are the county's), so it sees what was paid from each fund for it."""
    uses = statistics.budget_use_by_fund(year=year, union=union)
    title_values = {"year": year}
    if union is None:
        data = [(use.name, _percent(use.share_paid or Decimal(0))) for use in uses]
        svg = bar_chart(
            data, title=_("Budget paid per fund, %(year)d") % title_values, unit="%", maximum=100
        )
        allocated = sum((use.allocated or Decimal(0) for use in uses), Decimal(0))
        paid = sum((use.paid for use in uses), Decimal(0))
        note = _("%(paid)s of %(allocated)s yuan of this year's budgets paid.") % {
            "paid": f"{paid:,.2f}",
            "allocated": f"{allocated:,.2f}",
        }
    else:
        data = [(use.name, use.paid) for use in uses]
        svg = bar_chart(data, title=_("Paid per fund, %(year)d") % title_values, unit=_("yuan"))
        note = _("Budgets are the county's; these are your union's payments from them.")
    may_see_funds = union is None and user.has_perm("relief.view_funds")
    return Chart(
        svg=svg,
        note=note,
        url=reverse("relief:funds") if may_see_funds else None,
        link_text=_("Open the funds"),
    )


def _percent(fraction: Decimal) -> Decimal:
    return (fraction * HUNDRED).quantize(Decimal("0.1"), ROUND_HALF_UP)
