"""The public notice as a page to post: HTML for the screen and an A4 PDF for the noticeboard.

Both are built from `notice_rows`, which holds only what may be published — name, union,
programme, category, amount and, where the county chooses, the resident ID masked on the server
(first 6 and last 4). Nothing else about the family reaches the template, so neither the HTML
source nor the PDF's text layer can contain it.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation

from cases.models import Kind, Notice, State
from households import resident_ids
from households.choices import Category


@dataclass(frozen=True)
class NoticeRow:
    name: str
    union: str
    programme: str
    category: str
    amount: Decimal | None
    masked_id: str


def notice_rows(notice: Notice) -> list[NoticeRow]:
    applications = (
        notice.applications.exclude(state__in=[State.RETURNED])
        .select_related("union", "household__head")
        .order_by("union__code", "id")
    )
    categories = dict(Category.choices)
    rows = []
    for application in applications:
        household = application.household
        if household is not None and household.category:
            category = categories.get(household.category, "")
        elif application.kind == Kind.REGISTRATION:
            category = _suggested_category(application)
        else:
            category = ""
        if household is not None and household.head:
            number = household.head.id_number
        else:
            number = application.proposal.get("head", {}).get("id_number", "")
        rows.append(
            NoticeRow(
                name=application.applicant_name,
                union=application.union.name,
                programme=application.programme or str(Kind(application.kind).label),
                category=str(category),
                amount=application.requested_amount,
                masked_id=resident_ids.mask(number) if notice.show_masked_ids and number else "",
            )
        )
    return rows


def notice_context(notice: Notice) -> dict:
    return {"notice": notice, "rows": notice_rows(notice), "printed_on": timezone.localdate()}


def notice_pdf(notice: Notice) -> bytes:
    """The notice as an A4 PDF with Chinese fonts embedded, page numbers and a seal area."""
    from weasyprint import CSS, HTML  # imported here: Pango is needed only when printing

    with translation.override("zh-hans"):
        html = render_to_string(
            "cases/notice_print.html", {**notice_context(notice), "for_pdf": True}
        )
    style = CSS(filename=finders.find("css/notice_print.css"))
    return HTML(string=html).write_pdf(stylesheets=[style])


def _suggested_category(application) -> str:
    """A registration has no file yet: the notice shows what the means test suggests for it."""
    from cases.services import proposed_household
    from households.means_test import NoStandardInForce, household_means_test

    try:
        result = household_means_test(
            household=proposed_household(application), on=application.notice.start_on
        )
    except (NoStandardInForce, KeyError, ValueError):
        return ""
    return str(Category(result.category).label)
