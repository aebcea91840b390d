"""The micro-loan pages: the application form (from the household's page) and its edit form (a
draft or returned application), the loan page, the finance forms (disburse, repay, reverse a
repayment, pay the subsidy), write-off (propose, approve, reject), and the portfolio with its
chart.

Access → scoped fetch → form → service → redirect. Grassroots staff see their union's loans
(`Loan.objects.visible_to`); auditors read and change nothing. A refusal of a service is shown
as it is, on the form.
"""

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.models import Application, Kind
from cases.services import EDITABLE_STATES
from helpcenter.access import require, visible_or_404
from helpcenter.errors import DomainError
from households.models import Household
from relief import lending, loan_selectors
from relief.forms_loans import (
    DisburseForm,
    GuarantorFormSet,
    LoanApplicationForm,
    LoanTermsForm,
    RepayForm,
    RepaymentReverseForm,
    SubsidyForm,
    WriteOffForm,
    WriteOffRejectForm,
    guarantors_initial,
    guarantors_of,
    loan_terms_initial,
)
from relief.models import Loan, LoanState, Repayment, WriteOff, WriteOffState


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
    if request.method == "POST" and _with_guarantors(form, guarantors):
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


def _with_guarantors(form: Form, guarantors) -> bool:
    """Both valid; the guarantors' errors are named on the form."""
    if not guarantors.is_valid():
        form.is_valid()
        form.add_error(None, _("Correct the guarantors as marked below."))
        return False
    return form.is_valid()


@require("relief.apply_loan")
def loan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft or returned loan application changed by a caseworker, then submitted again on the
    application's page."""
    application = visible_or_404(
        Application.objects.visible_to(request.user)
        .filter(kind=Kind.LOAN)
        .select_related("household__head", "household__union", "loan__programme"),
        pk=pk,
    )
    if application.state not in EDITABLE_STATES:
        messages.error(
            request,
            _(
                "This application is %(state)s: only a draft or a returned application can be "
                "edited. Ask a supervisor to return it first."
            )
            % {"state": application.get_state_display()},
        )
        return redirect("cases:application_detail", pk=application.pk)
    loan = application.loan
    if request.method == "POST":
        form = LoanTermsForm(request.POST)
        guarantors = GuarantorFormSet(
            request.POST, prefix="guarantors", form_kwargs={"empty_permitted": True}
        )
    else:
        form = LoanTermsForm(initial=loan_terms_initial(loan))
        guarantors = GuarantorFormSet(prefix="guarantors", initial=guarantors_initial(loan))
    if request.method == "POST" and _with_guarantors(form, guarantors):
        try:
            lending.loan_application_update(
                actor=request.user,
                application=application,
                guarantors=guarantors_of(guarantors),
                **form.cleaned_data,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The loan application was updated: submit it again."))
            return redirect("cases:application_detail", pk=application.pk)
    context = {
        "form": form,
        "guarantors": guarantors,
        "household": application.household,
        "application": application,
        "loan": loan,
    }
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
        "write_offs": WriteOff.objects.filter(loan=loan).select_related(
            "proposed_by", "approved_by", "rejected_by"
        ),
        "standing_write_off": WriteOff.objects.filter(loan=loan)
        .exclude(state=WriteOffState.REJECTED)
        .exists(),
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
    write_off = _proposal(loan)
    try:
        lending.write_off_approve(actor=request.user, write_off=write_off)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The loan was written off; the guarantors' obligations are recorded.")
        )
    return redirect("relief:loan_detail", pk=loan.pk)


def _proposal(loan: Loan) -> WriteOff:
    return visible_or_404(WriteOff.objects.filter(loan=loan), state=WriteOffState.PROPOSED)


@require("relief.approve_write_off")
@require_POST
def write_off_reject(request: HttpRequest, pk: int) -> HttpResponse:
    loan = _loan(request, pk)
    write_off = _proposal(loan)
    form = WriteOffRejectForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        lending.write_off_reject(actor=request.user, write_off=write_off, reason=reason)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The write-off was rejected; the loan is repaid as before."))
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
