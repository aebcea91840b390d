"""The micro-loan pages: the application form (from the household's page), the loan page, the
finance forms (disburse, repay, reverse a repayment, pay the subsidy), write-off, and the
portfolio with its chart.

Access → scoped fetch → form → service → redirect. Grassroots staff see their union's loans
(`Loan.objects.visible_to`); auditors read and change nothing. A refusal of a service is shown
as it is, on the form.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from helpcenter.access import require, visible_or_404
from helpcenter.errors import DomainError
from households.models import Household
from relief import lending, loan_selectors
from relief.forms_loans import (
    DisburseForm,
    GuarantorFormSet,
    LoanApplicationForm,
    RepayForm,
    RepaymentReverseForm,
    SubsidyForm,
    WriteOffForm,
    guarantors_of,
)
from relief.models import Loan, LoanState, Repayment, WriteOff


def _loan(request: HttpRequest, pk: int) -> Loan:
    return visible_or_404(loan_selectors.loans_visible_to(request.user), pk=pk)


@require("relief.apply_loan")
def loan_apply(request: HttpRequest, household_pk: int) -> HttpResponse:
    household = visible_or_404(
        Household.objects.visible_to(request.user).select_related("head", "union"),
        pk=household_pk,
    )
    form = LoanApplicationForm(request.POST or None)
    guarantors = GuarantorFormSet(request.POST or None, prefix="guarantors")
    if request.method == "POST" and not guarantors.is_valid():
        form.is_valid()
        form.add_error(None, _("Correct the guarantors as marked below."))
    elif request.method == "POST" and form.is_valid():
        try:
            application = lending.loan_application_file(
                actor=request.user,
                household=household,
                guarantors=guarantors_of(guarantors),
                **form.cleaned_data,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The loan application was filed as a draft: submit it."))
            return redirect("cases:application_detail", pk=application.pk)
    context = {"form": form, "guarantors": guarantors, "household": household}
    return render(request, "relief/loans/apply.html", context)


@require("relief.view_loans")
def loan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    loan = _loan(request, pk)
    today = timezone.localdate()
    rows = lending.loan_instalments(loan)
    context = {
        "loan": loan,
        "rows": [(row, row.status(today)) for row in rows],
        "totals": lending.loan_outstanding(loan),
        "owed": lending.loan_owed(loan, on=today, rows=rows) if loan.disbursed_on else None,
        "repayments": loan.repayments.select_related("line", "reverses").order_by("paid_on", "id"),
        "guarantors": loan.guarantors.all(),
        "write_off": WriteOff.objects.filter(loan=loan)
        .select_related("proposed_by", "approved_by")
        .first(),
        "bucket": lending.aging_bucket(loan.days_past_due),
        "subsidy_preview": lending.subsidy_calculation(loan)
        if loan.state == LoanState.REPAID
        else None,
    }
    return render(request, "relief/loans/detail.html", context)


def _action(request: HttpRequest, loan: Loan, form, *, title: str, call, done: str) -> HttpResponse:
    """The pattern of every finance form on a loan: a valid form calls the service; a refusal is
    shown on the form; success goes back to the loan page."""
    if request.method == "POST" and form.is_valid():
        try:
            call(**form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, done)
            return redirect("relief:loan_detail", pk=loan.pk)
    return render(request, "relief/loans/action.html", {"loan": loan, "form": form, "title": title})


@require("relief.manage_loans")
def loan_disburse(request: HttpRequest, pk: int) -> HttpResponse:
    loan = _loan(request, pk)
    return _action(
        request,
        loan,
        DisburseForm(request.POST or None),
        title=_("Pay out the loan"),
        call=lambda **data: lending.loan_disburse(actor=request.user, loan=loan, **data),
        done=_("The loan was paid out and its schedule stored."),
    )


@require("relief.manage_loans")
def loan_repay(request: HttpRequest, pk: int) -> HttpResponse:
    loan = _loan(request, pk)
    return _action(
        request,
        loan,
        RepayForm(request.POST or None),
        title=_("Record a repayment"),
        call=lambda **data: lending.loan_repay(actor=request.user, loan=loan, **data),
        done=_("The repayment was recorded."),
    )


@require("relief.manage_loans")
def repayment_reverse(request: HttpRequest, pk: int, repayment_pk: int) -> HttpResponse:
    loan = _loan(request, pk)
    repayment = visible_or_404(Repayment.objects.filter(loan=loan), pk=repayment_pk)
    return _action(
        request,
        loan,
        RepaymentReverseForm(request.POST or None),
        title=_("Reverse the repayment of %(date)s") % {"date": repayment.paid_on.isoformat()},
        call=lambda **data: lending.repayment_reverse(
            actor=request.user, repayment=repayment, **data
        ),
        done=_("The repayment was reversed."),
    )


@require("relief.manage_loans")
def loan_subsidy(request: HttpRequest, pk: int) -> HttpResponse:
    loan = _loan(request, pk)
    return _action(
        request,
        loan,
        SubsidyForm(request.POST or None),
        title=_("Pay the interest subsidy"),
        call=lambda **data: lending.loan_subsidy_pay(actor=request.user, loan=loan, **data),
        done=_("The interest subsidy was paid."),
    )


@require("relief.propose_write_off")
def write_off_propose(request: HttpRequest, pk: int) -> HttpResponse:
    loan = _loan(request, pk)
    return _action(
        request,
        loan,
        WriteOffForm(request.POST or None),
        title=_("Propose a write-off"),
        call=lambda **data: lending.write_off_propose(actor=request.user, loan=loan, **data),
        done=_("The write-off was proposed: another supervisor approves it."),
    )


@require("relief.approve_write_off")
@require_POST
def write_off_approve(request: HttpRequest, pk: int) -> HttpResponse:
    loan = _loan(request, pk)
    write_off = visible_or_404(WriteOff.objects.filter(loan=loan), loan=loan)
    try:
        lending.write_off_approve(actor=request.user, write_off=write_off)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The loan was written off; the guarantors' obligations are recorded.")
        )
    return redirect("relief:loan_detail", pk=loan.pk)


@require("relief.view_loans")
def loan_portfolio(request: HttpRequest) -> HttpResponse:
    rows = loan_selectors.portfolio(request.user)
    total = loan_selectors.portfolio_totals(rows)
    context = {
        "rows": rows,
        "total": total,
        "bars": loan_selectors.overdue_chart(total),
        "chart": {
            "height": loan_selectors.CHART_HEIGHT + 2 * loan_selectors.CHART_TOP,
            "base": loan_selectors.CHART_HEIGHT + loan_selectors.CHART_TOP,
            "width": 5 * (loan_selectors.CHART_BAR + loan_selectors.CHART_GAP)
            + loan_selectors.CHART_GAP,
        },
        "overdue": loan_selectors.overdue_loans(request.user)[:100],
        "loans": loan_selectors.loans_visible_to(request.user).order_by("-created_at", "-id")[:200],
    }
    return render(request, "relief/loans/portfolio.html", context)
