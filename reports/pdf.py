"""Reports as A4 PDFs: one base template and style for every report (reports/pdf_base.html,
css/report_print.css). The header carries the union's name and the period on every page, the
footer "第 x 页 共 y 页"; table headers repeat on each page; the text is set in Noto CJK,
which WeasyPrint embeds (subset) in the file, so rarer characters in names (喆, 堃, 淼, 䶮) print
as themselves wherever the file is opened."""

from typing import BinaryIO

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation

from reports.catalogue import ReportSpec

REPORT_LANGUAGE = "zh-hans"  # reports go to the federation: in Chinese, whoever asked


def report_context(spec: ReportSpec, title: str) -> dict:
    """What the base template needs: the title, the union's name, the period, the day."""
    return {
        "title": title,
        "union_name": spec.union_name,
        "period_label": spec.period.label if spec.period else "",
        "printed_on": timezone.localdate(),
    }


def write_pdf(template_name: str, context: dict, out: BinaryIO) -> None:
    """Render `template_name` (which extends reports/pdf_base.html) with `context` into `out`."""
    from weasyprint import CSS, HTML  # imported here: Pango is needed only when printing

    with translation.override(REPORT_LANGUAGE):
        html = render_to_string(template_name, context)
    style = CSS(filename=finders.find("css/report_print.css"))
    HTML(string=html).write_pdf(out, stylesheets=[style])
