"""A bank payment sheet as .xlsx, the catalogue's way to the bank sheet page's two workbooks
(relief.bank): `part` "sheet" is the payment sheet for the bank (银行卡发放表, full card
numbers, each export logged as a read of personal data per household), "summary" the
real-name summary (实名制汇总表, IDs and cards masked).

Scope is the bank sheet page's (relief.views_bank): the reader holds relief.manage_bank_sheets
(finance) and the sheet is visible to them (BankSheet.objects.visible_to), else ReportError
before anything is written or logged. Without a reader (the command line) the summary is
built for the county, but the payment sheet is refused: full card numbers leave only to a
named person, who is the reader the PersonalDataRead rows name."""

from typing import BinaryIO

from django.utils.translation import gettext as _

from helpcenter.errors import DomainError
from relief import bank
from relief.models import BankSheet
from reports.catalogue import Progress, ReportError, ReportSpec

SHEET, SUMMARY = "sheet", "summary"
PARTS = (SHEET, SUMMARY)


def sheet_for(spec: ReportSpec) -> BankSheet:
    """The bank sheet of `spec.params["sheet"]`, if its reader may export it; else ReportError."""
    reader = spec.reader
    try:
        pk = int(spec.params["sheet"])
    except (KeyError, TypeError, ValueError):
        raise ReportError(_("The report does not say which bank sheet to export.")) from None
    if reader is not None and not reader.has_perm("relief.manage_bank_sheets"):
        raise ReportError(_("Only finance exports bank sheets."))
    sheets = BankSheet.objects.all() if reader is None else BankSheet.objects.visible_to(reader)
    sheet = sheets.filter(pk=pk).first()
    if sheet is None:
        raise ReportError(_("There is no such bank sheet, or it is not yours to see."))
    return sheet


def build(spec: ReportSpec, out: BinaryIO, progress: Progress) -> None:
    part = spec.params.get("part", SHEET)
    if part not in PARTS:
        raise ReportError(_("A bank sheet is exported as the payment sheet or the summary."))
    sheet = sheet_for(spec)
    stage = _("Writing the bank sheet")
    progress(0, 1, stage)
    if part == SUMMARY:
        content = bank.real_name_summary_workbook(sheet=sheet)
    elif spec.reader is None:
        raise ReportError(
            _(
                "The payment sheet holds full card numbers: it is exported by a named finance "
                "user, from the bank sheet's page, so that the export is logged."
            )
        )
    else:
        try:
            content = bank.bank_sheet_workbook(actor=spec.reader, sheet=sheet)
        except DomainError as error:
            raise ReportError(error.message) from error
    out.write(content)
    progress(1, 1, stage)
