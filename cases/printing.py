"""The public notice as a page to post: HTML for the screen and an A4 PDF for the noticeboard.

Both are built from `notice_rows`, which holds only what may be published — name, union,
programme (建档 for a registration), category, amount and, where the county chooses, the
resident ID masked on the server (first 6 and last 4). Nothing else about the family reaches
the template, so neither the HTML source nor the PDF's text layer can contain it.

A draft's rows are built from the current data (unsaved `NoticeRow`s); posting freezes them
(services.notice_publish saves `draft_rows`), and from then on every view of the notice, its
PDF and the archive at close read the frozen rows: what was posted, to whom, for how long.
"""

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.models import Kind, Notice, NoticeRow, NoticeState, State
from households import resident_ids
from households.choices import Category

# The words of a notice are the county's public language, whatever the poster's own setting.
NOTICE_LANGUAGE = "zh-hans"


def notice_rows(notice: Notice) -> list[NoticeRow]:
    """The lines of `notice`: as posted once it is posted, else as they would be posted now."""
    if notice.state != NoticeState.DRAFT:
        return list(notice.rows.order_by("position"))
    return draft_rows(notice)


def draft_rows(notice: Notice) -> list[NoticeRow]:
    """The lines `notice` would post now (its reviewed applications), unsaved, in the notice's
    language."""
    applications = (
        notice.applications.filter(state=State.REVIEWED)
        .select_related("union", "household__head")
        .order_by("union__code", "id")
    )
    with translation.override(NOTICE_LANGUAGE):
        return [
            _row(notice, application, position)
            for position, application in enumerate(applications, start=1)
        ]


def _row(notice: Notice, application, position: int) -> NoticeRow:
    household = application.household
    if household is not None and household.category:
        category = str(Category(household.category).label)
    elif application.kind == Kind.REGISTRATION:
        category = _suggested_category(application)
    else:
        category = ""
    if household is not None and household.head:
        number = household.head.id_number
    else:
        number = application.proposal.get("head", {}).get("id_number", "")
    return NoticeRow(
        notice=notice,
        application=application,
        position=position,
        name=application.applicant_name,
        union_name=application.union.name,
        programme=_programme(application),
        category=category,
        amount=application.requested_amount
        if application.kind in (Kind.RELIEF, Kind.LOAN)
        else None,
        masked_id=resident_ids.mask(number) if notice.show_masked_ids and number else "",
    )


def _programme(application) -> str:
    """What the notice's programme column says: the relief programme, 建档 for a registration,
    else the kind of proposal."""
    if application.programme:
        return application.programme
    if application.kind == Kind.REGISTRATION:
        return _("File registration")
    return str(Kind(application.kind).label)


def notice_context(notice: Notice) -> dict:
    rows = notice_rows(notice)
    return {
        "notice": notice,
        "rows": rows,
        # No amount column on a notice without relief; a registration's cell stays empty.
        "show_amount": any(row.amount is not None for row in rows),
        "printed_on": timezone.localdate(),
    }


def notice_pdf(notice: Notice) -> bytes:
    """The notice as an A4 PDF with Chinese fonts embedded, page numbers and a seal area."""
    from weasyprint import CSS, HTML  # imported here: Pango is needed only when printing

    with translation.override(NOTICE_LANGUAGE):
        html = render_to_string(
            "cases/notice_print.html", {**notice_context(notice), "for_pdf": True}
        )
    style = CSS(filename=finders.find("css/notice_print.css"))
    return HTML(string=html).write_pdf(stylesheets=[style])


def _suggested_category(application) -> str:
    """A registration has no file yet: the notice shows what the means test suggested for it
    at review (kept with the application; approval records it as the file's first
    classification), or, reviewed before that was kept, what it suggests now."""
    from cases.services import proposed_household
    from households.means_test import NoStandardInForce, household_means_test

    reviewed = application.proposal.get("means_test")
    if reviewed:
        return str(Category(reviewed["category"]).label)
    try:
        result = household_means_test(
            household=proposed_household(application), on=application.notice.start_on
        )
    except (NoStandardInForce, KeyError, ValueError):
        return ""
    return str(Category(result.category).label)
