"""The ledger's export: the lines the ledger page shows (the user's scope, the same filters) as
.xlsx or CSV, streamed as they are written (relief.exporting, the code `export_ledger` runs).

A search of more than settings.REPORT_WEB_ROWS lines is not built in the request: it becomes a
report job (reports, kind ledger_search) and the person downloads it from the reports page.
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
from relief.exporting import CHUNKS, CONTENT_TYPES
from relief.filters import LedgerFilter
from reports.services import export_as_job, filters_param, too_big_for_the_web

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
    count = lines.count()
    if too_big_for_the_web(count):
        return export_as_job(
            request,
            kind="ledger_search",
            format=format,
            params={"filters": filters_param(query)},
            rows=count,
        )
    logger.info("ledger export user_id=%s format=%s", request.user.pk, format)
    response = StreamingHttpResponse(CHUNKS[format](lines), content_type=CONTENT_TYPES[format])
    name = f"帮扶资金台账-{timezone.localdate():%Y%m%d}.{format}"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response
