"""The disbursement ledger (台账) of a period as .xlsx or CSV: every ledger line dated in the
period, of the report's union (every union for the county), written by relief.exporting — the
same streamed code as the ledger page's export and `manage.py export_ledger`, in flat memory
at any size, ending with its totals line. With a reader, only the lines the reader may see."""

from typing import BinaryIO

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from relief.exporting import Totals, export_ledger
from relief.models import Disbursement
from reports.catalogue import CSV, XLSX, Progress, ReportError, ReportSpec


def ledger_lines(spec: ReportSpec) -> QuerySet:
    """The lines of the report: dated in the period, of its union, visible to its reader."""
    lines = (
        Disbursement.objects.all()
        if spec.reader is None
        else Disbursement.objects.visible_to(spec.reader)
    )
    return lines.filter(
        spec.union_q("union_id"), paid_on__gte=spec.period.start, paid_on__lte=spec.period.end
    )


def build(spec: ReportSpec, out: BinaryIO, progress: Progress) -> Totals:
    """Write the ledger of `spec` to `out`; progress is reported every few thousand lines of
    the total counted first (one COUNT)."""
    if spec.period is None:
        raise ReportError(
            _("The ledger is exported for a period: choose a year, quarter or month.")
        )
    if spec.format not in (XLSX, CSV):
        raise ReportError(_("The ledger is exported as .xlsx or CSV."))
    if spec.reader is not None and not spec.reader.has_perm("relief.view_ledger"):
        raise ReportError(_("You may not read the ledger."))
    lines = ledger_lines(spec)
    total = lines.count()
    stage = _("Writing the ledger lines")
    progress(0, total, stage)
    totals = export_ledger(
        lines, out, format=spec.format, progress=lambda done: progress(done, total, stage)
    )
    progress(totals.lines, max(total, totals.lines), stage)
    return totals
