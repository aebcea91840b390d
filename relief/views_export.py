"""The ledger's export: the lines the ledger page shows (the user's scope, the same filters) as
.xlsx or CSV, streamed as they are written (relief.exporting, the code `export_ledger` runs).

A CSV streams at any size. An .xlsx above WEB_XLSX_ROW_LIMIT lines is refused with a message
that points to `manage.py export_ledger` (a later issue moves big exports to background jobs).
"""

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from helpcenter.access import require
from relief import selectors
from relief.exporting import CHUNKS, CONTENT_TYPES, WEB_XLSX_ROW_LIMIT
from relief.filters import LedgerFilter

logger = logging.getLogger("helpcenter.relief")


@require("relief.view_ledger")
def ledger_export(request: HttpRequest) -> HttpResponse:
    format = request.GET.get("format", "xlsx")
    query = request.GET.copy()
    query.pop("format", None)
    back = f"{reverse('relief:ledger')}?{query.urlencode()}"
    if format not in CHUNKS:
        messages.error(request, _("Choose the export as .xlsx or .csv."))
        return redirect(back)
    filters = LedgerFilter(query, queryset=selectors.ledger_lines(request.user), user=request.user)
    if not filters.is_valid():
        # A filter that cannot be applied must not quietly widen the export to everything.
        messages.error(request, _("The export was not made: some filters could not be applied."))
        return redirect(back)
    lines = filters.qs
    if format == "xlsx":
        count = lines.count()
        if count > WEB_XLSX_ROW_LIMIT:
            messages.error(
                request,
                _(
                    "%(count)d lines are more than an .xlsx made here may hold (%(limit)d). "
                    "Narrow the filters, export as .csv, or ask the administrator to run "
                    "“python manage.py export_ledger --year YEAR --out FILE.xlsx”."
                )
                % {"count": count, "limit": WEB_XLSX_ROW_LIMIT},
            )
            return redirect(back)
    logger.info("ledger export user_id=%s format=%s", request.user.pk, format)
    response = StreamingHttpResponse(CHUNKS[format](lines), content_type=CONTENT_TYPES[format])
    name = f"帮扶资金台账-{timezone.localdate():%Y%m%d}.{format}"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response
