"""The finance pages: the relief home, the to-pay queue and the pay form, the ledger with its
filters and totals, a line's voucher and its reversal, month close and the fund page.

Access → scoped fetch → form → service → redirect. Grassroots staff see their union's rows
(`visible_to`); auditors read everything and change nothing (a POST needs the permission to
change, so theirs is a 403). A refusal of a service is a ReliefError shown as it is.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from helpcenter.access import log_denied, require, visible_or_404
from helpcenter.errors import DomainError
from helpcenter.paging import page_of
from relief import selectors, services
from relief.filters import LedgerFilter
from relief.ledger_forms import MonthCloseForm, PayForm, ReverseForm, YearForm, last_month
from relief.models import ClosedMonth, Repayment
from relief.vouchers import amount_in_capitals

PER_PAGE = (10, 25, 50, 100)


@dataclass(frozen=True)
class Page:
    title: str
    purpose: str
    url_name: str
    permission: str


# The relief pages: (title, what it is for, url name, permission). Pages of other parts of
# relief (campaigns, bank sheets, verification) show once their URL exists.
PAGES = [
    Page(_l("To pay"), _l("Approved relief waiting for payment."), "relief:to_pay", "relief.pay"),
    Page(
        _l("Ledger"),
        _l("Every payment and reversal, with filters and totals."),
        "relief:ledger",
        "relief.view_ledger",
    ),
    Page(
        _l("Funds and budgets"),
        _l("Allocated, committed, paid and left, per source and programme."),
        "relief:funds",
        "relief.view_funds",
    ),
    Page(
        _l("Month close"),
        _l("Closed months take no ledger line."),
        "relief:months",
        "relief.view_funds",
    ),
    Page(
        _l("Campaigns"),
        _l("Holiday warmth campaigns and home deliveries."),
        "relief:campaign_list",
        "relief.view_campaign",
    ),
    Page(
        _l("Bank sheets"),
        _l("Bank-card payment sheets and the bank's return files."),
        "relief:bank_sheet_list",
        "relief.manage_bank_sheets",
    ),
    Page(
        _l("Payment verification"),
        _l("Samples of paid households called or visited."),
        "relief:sample_list",
        "relief.view_verification",
    ),
    Page(
        _l("Micro-loans"),
        _l("Loans, repayments, overdue aging and the interest subsidy."),
        "relief:loan_portfolio",
        "relief.view_loans",
    ),
]


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in ("page", *names):
        query.pop(name, None)
    return query.urlencode()


def _ensure_may(request: HttpRequest, permission: str) -> None:
    """A POST that changes something needs the permission to change (auditors read only)."""
    if not request.user.has_perm(permission):
        log_denied(request, reason=f"permission {permission}")
        raise PermissionDenied


@require("relief.view_ledger")
def index(request: HttpRequest) -> HttpResponse:
    pages = []
    for page in PAGES:
        try:
            url = reverse(page.url_name)
        except NoReverseMatch:
            continue
        if request.user.has_perm(page.permission):
            pages.append({"title": page.title, "purpose": page.purpose, "url": url})
    return render(request, "relief/index.html", {"pages": pages})


# --- To pay ---------------------------------------------------------------------------------------


@require("relief.pay")
def to_pay(request: HttpRequest) -> HttpResponse:
    rows, page, has_next = page_of(request, selectors.to_pay_queue(request.user))
    context = {
        "entitlements": rows,
        "page": page,
        "has_next": has_next,
        "query": _query_without(request),
        "backfill_count": selectors.approved_without_entitlement(request.user).count(),
    }
    return render(request, "relief/to_pay.html", context)


@require("relief.pay")
@require_POST
def entitlements_backfill(request: HttpRequest) -> HttpResponse:
    try:
        created, refusals = services.entitlements_backfill(actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(count)d entitlements made.") % {"count": created})
        for refusal in refusals:
            messages.warning(request, refusal)
    return redirect("relief:to_pay")


@require("relief.pay")
def pay(request: HttpRequest, pk: int) -> HttpResponse:
    entitlement = visible_or_404(
        selectors.to_pay_queue(request.user).select_related("application"), pk=pk
    )
    form = PayForm(request.POST or None, entitlement=entitlement, left=entitlement.left)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            line = services.disbursement_pay(actor=request.user, entitlement=entitlement, **data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Paid: voucher %(voucher)s.") % {"voucher": line.voucher_number}
            )
            return redirect("relief:line", pk=line.pk)
    return render(request, "relief/pay.html", {"form": form, "entitlement": entitlement})


# --- The ledger -----------------------------------------------------------------------------------


def _per_page(request: HttpRequest) -> int:
    try:
        value = int(request.GET.get("per_page", 50))
    except ValueError:
        return 50
    return value if value in PER_PAGE else 50


@require("relief.view_ledger")
def ledger(request: HttpRequest) -> HttpResponse:
    filters = LedgerFilter(
        request.GET, queryset=selectors.ledger_lines(request.user), user=request.user
    )
    lines = filters.qs if filters.is_valid() else filters.queryset.none()
    totals = (
        filters.is_valid()
        and selectors.ledger_totals_kept(user=request.user, cleaned=filters.form.cleaned_data)
    ) or selectors.ledger_totals(lines)
    per_page = _per_page(request)
    try:
        page = max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        page = 1
    page = min(page, totals["count"] // per_page + 1)  # past the end: the last page
    rows = selectors.ledger_page(
        lines, start=(page - 1) * per_page, stop=page * per_page, names=filters.listed()
    )
    context = {
        "filters": filters,
        "form": filters.form,
        "lines": rows,
        "totals": totals,
        "page": page,
        "has_next": page * per_page < totals["count"],
        "per_page": per_page,
        "per_page_choices": PER_PAGE,
        "query": _query_without(request),
    }
    return render(request, "relief/ledger.html", context)


@require("relief.view_ledger")
def line(request: HttpRequest, pk: int) -> HttpResponse:
    row = visible_or_404(
        selectors.ledger_lines(request.user).select_related("entitlement__application"), pk=pk
    )
    template = "relief/voucher_print.html" if "print" in request.GET else "relief/line.html"
    return render(request, template, {"line": row, "capitals": amount_in_capitals(row.amount)})


@require("relief.reverse_line")
def reverse_line(request: HttpRequest, pk: int) -> HttpResponse:
    row = visible_or_404(selectors.ledger_lines(request.user), pk=pk)
    if row.loan_id:
        return _loan_line(request, row)
    form = ReverseForm(request.POST or None, initial={"paid_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            reversal = services.disbursement_reverse(
                actor=request.user, line=row, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Reversed: voucher %(voucher)s.") % {"voucher": reversal.voucher_number}
            )
            return redirect("relief:line", pk=reversal.pk)
    return render(request, "relief/reverse.html", {"form": form, "line": row})


def _loan_line(request: HttpRequest, row) -> HttpResponse:
    """A micro-loan's line is reversed on the loan's page: a repayment goes to its reversal
    form there; anything else back to the loan, saying why."""
    repayment = Repayment.objects.filter(line=row, reverses__isnull=True).first()
    if repayment is not None:
        messages.info(request, _("A micro-loan's repayment is reversed on the loan's page."))
        return redirect("relief:repayment_reverse", pk=row.loan_id, repayment_pk=repayment.pk)
    try:
        services.ensure_not_loan_line(row)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("relief:loan_detail", pk=row.loan_id)


# --- Month close and funds ------------------------------------------------------------------------


@require("relief.view_funds")
def months(request: HttpRequest) -> HttpResponse:
    year, month = last_month()
    form = MonthCloseForm(request.POST or None, initial={"year": year, "month": month})
    if request.method == "POST":
        _ensure_may(request, "relief.close_month")
        if form.is_valid():
            try:
                closed = services.month_close(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("%(month)s is closed.") % {"month": closed})
                return redirect("relief:months")
    closed = ClosedMonth.objects.select_related("closed_by")[:60]
    return render(request, "relief/months.html", {"form": form, "closed": closed})


@require("relief.view_funds")
def funds(request: HttpRequest) -> HttpResponse:
    form = YearForm(request.GET or None)
    year = form.chosen_year()
    context = {
        "form": form,
        "year": year,
        "years": selectors.budget_years(),
        "funds": selectors.funds_with_figures(year),
        "programmes": selectors.programmes_with_figures(year),
        "budgets": selectors.budgets_with_figures(year),
        "totals": selectors.fund_totals(year),
    }
    return render(request, "relief/funds.html", context)
