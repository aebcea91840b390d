"""Pages of bank cards and bank payment sheets: thin views — access, scoped fetch, form, service,
redirect. The rules are in relief.cards and relief.bank; card numbers are shown masked only
(the full number leaves only in the payment sheet's workbook, whose export is logged)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from helpcenter.access import require, visible_or_404
from helpcenter.errors import DomainError
from households.models import Household
from relief import bank, cards
from relief.forms_bank import BankAccountForm, BankSheetForm, ReturnFileForm
from relief.models import BankAccount, BankSheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
QUEUE_LIMIT = 500


def _household(request: HttpRequest, pk: int) -> Household:
    return visible_or_404(Household.objects.visible_to(request.user).select_related("head"), pk=pk)


def _sheet(request: HttpRequest, pk: int) -> BankSheet:
    return visible_or_404(BankSheet.objects.visible_to(request.user), pk=pk)


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    response["Cache-Control"] = "no-store"
    return response


# --- Bank cards ----------------------------------------------------------------------------------


@require("relief.add_bank_account")
def bank_account_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    form = BankAccountForm(request.POST or None, household=household)
    if request.method == "POST" and form.is_valid():
        try:
            account = cards.bank_account_add(
                actor=request.user, household=household, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Bank card %(card)s recorded.") % {"card": account.masked})
            return redirect("households:detail", pk=household.pk)
    accounts = household.bank_accounts.select_related("holder")
    context = {"form": form, "household": household, "accounts": accounts}
    return render(request, "relief/bank/card_form.html", context)


@require("relief.add_bank_account")
@require_POST
def bank_account_retire(request: HttpRequest, pk: int, account_pk: int) -> HttpResponse:
    household = _household(request, pk)
    account = visible_or_404(BankAccount.objects.filter(household=household), pk=account_pk)
    try:
        cards.bank_account_retire(actor=request.user, account=account)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Bank card %(card)s retired.") % {"card": account.masked})
    return redirect("relief:bank_account_add", pk=household.pk)


# --- Bank sheets ---------------------------------------------------------------------------------


@require("relief.manage_bank_sheets")
def bank_sheet_list(request: HttpRequest) -> HttpResponse:
    sheets = bank.sheets_with_totals(BankSheet.objects.visible_to(request.user))
    return render(request, "relief/bank/sheet_list.html", {"sheets": sheets[:200]})


@require("relief.manage_bank_sheets")
def bank_sheet_create(request: HttpRequest) -> HttpResponse:
    """Choose entitlements of the to-pay queue whose household has a card in use."""
    queue = bank.sheetable_queue(request.user)
    carded = BankAccount.objects.filter(active=True).values("household_id")
    with_card = queue.filter(household__in=carded)
    form = BankSheetForm(request.POST or None, queue=with_card)
    if request.method == "POST" and form.is_valid():
        try:
            sheet = bank.bank_sheet_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Sheet %(number)s created.") % {"number": sheet.number})
            return redirect("relief:bank_sheet_detail", pk=sheet.pk)
    context = {
        "form": form,
        "rows": with_card[:QUEUE_LIMIT],
        "without_card": queue.exclude(household__in=carded)[:QUEUE_LIMIT],
        "limit": QUEUE_LIMIT,
    }
    return render(request, "relief/bank/sheet_form.html", context)


def _sheet_page(request: HttpRequest, sheet: BankSheet, form: ReturnFileForm) -> HttpResponse:
    context = {
        "sheet": sheet,
        "lines": bank.sheet_lines(sheet).select_related("disbursement"),
        "total": bank.sheet_total(sheet),
        "form": form,
    }
    return render(request, "relief/bank/sheet_detail.html", context)


@require("relief.manage_bank_sheets")
def bank_sheet_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _sheet_page(request, _sheet(request, pk), ReturnFileForm())


def _as_job_if_big(request: HttpRequest, sheet, part: str) -> HttpResponse | None:
    """A sheet of more lines than a request builds (settings.REPORT_WEB_ROWS) is built as a
    report job instead; None when it is small enough to build here."""
    from reports.services import export_as_job, too_big_for_the_web

    rows = sheet.lines.count()
    if not too_big_for_the_web(rows):
        return None
    return export_as_job(
        request,
        kind="bank_sheet",
        format="xlsx",
        params={"sheet": sheet.pk, "part": part},
        rows=rows,
    )


@require("relief.manage_bank_sheets")
def bank_sheet_download(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = _sheet(request, pk)
    big = _as_job_if_big(request, sheet, "sheet")
    if big is not None:
        return big
    try:
        content = bank.bank_sheet_workbook(actor=request.user, sheet=sheet)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("relief:bank_sheet_detail", pk=sheet.pk)
    return _xlsx(content, f"{sheet.number}-bank-sheet.xlsx")


@require("relief.manage_bank_sheets")
def bank_sheet_summary(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = _sheet(request, pk)
    big = _as_job_if_big(request, sheet, "summary")
    if big is not None:
        return big
    return _xlsx(bank.real_name_summary_workbook(sheet=sheet), f"{sheet.number}-real-name.xlsx")


@require("relief.manage_bank_sheets")
@require_POST
def bank_return_upload(request: HttpRequest, pk: int) -> HttpResponse:
    sheet = _sheet(request, pk)
    form = ReturnFileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            summary = bank.bank_return_import(
                actor=request.user, sheet=sheet, file=form.cleaned_data["file"]
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Return file recorded: %(paid)d paid, %(partly)d partly paid, %(failed)d failed.")
                % {"paid": summary.paid, "partly": summary.partly_paid, "failed": summary.failed},
            )
            return redirect("relief:bank_sheet_detail", pk=sheet.pk)
    return _sheet_page(request, sheet, form)
