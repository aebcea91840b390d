"""A public notice as a PDF (公示), the catalogue's way to the notice page's PDF: a closed
notice's archived copy (what was posted, never printed again), else the notice printed now
(cases.printing.notice_pdf).

Scope is the notice page's (cases.views.notice_pdf): whoever may see the notice gets all of it
— its own union's notices, and, once posted, a county notice that lists the reader's people
(Notice.objects.visible_to). A reader without cases.view_notice, or a notice out of scope or
missing, is refused before anything is written. Without a reader (the command line) every
notice is the county's to print."""

import shutil
from typing import BinaryIO

from django.utils.translation import gettext as _

from cases import printing
from cases.models import Notice, NoticeState
from reports.catalogue import Progress, ReportError, ReportSpec


def notice_for(spec: ReportSpec) -> Notice:
    """The notice of `spec.params["notice"]`, if its reader may see it; else ReportError."""
    reader = spec.reader
    notices = Notice.objects.all() if reader is None else Notice.objects.visible_to(reader)
    try:
        pk = int(spec.params["notice"])
    except (KeyError, TypeError, ValueError):
        raise ReportError(_("The report does not say which notice to print.")) from None
    notice = notices.filter(pk=pk).first()
    if notice is None or (reader is not None and not reader.has_perm("cases.view_notice")):
        raise ReportError(_("There is no such notice, or it is not yours to see."))
    return notice


def build(spec: ReportSpec, out: BinaryIO, progress: Progress) -> None:
    notice = notice_for(spec)
    stage = _("Printing the notice")
    progress(0, 1, stage)
    if notice.state == NoticeState.CLOSED and notice.archived_pdf:
        with notice.archived_pdf.open("rb") as archived:
            shutil.copyfileobj(archived, out)
    else:
        out.write(printing.notice_pdf(notice))
    progress(1, 1, stage)
