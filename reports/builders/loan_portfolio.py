"""The loan portfolio (小额借款资产情况) at the end of a period, as an A4 PDF or an .xlsx: per
union and lender, with totals — loans being repaid and their outstanding principal, the outstanding
overdue by aging bucket (1–30, 31–90, 91–180, 181–360, over 360 days), loans repaid in full,
the repayment rate and the interest subsidy paid.

The figures are relief.loan_selectors.portfolio's (the loans page's), for the report's union
(and only the loans its reader may see), with instalments due counted up to the report's day:
the end of the period, or today for a period not yet over. The loans' states, outstanding,
days past due and the subsidy are those kept now (the portfolio keeps no history): a report of
a past period says so on its face."""

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from relief.exporting import safe_text
from relief.loan_selectors import BUCKET_NAMES, PortfolioRow, portfolio, portfolio_totals
from reports.catalogue import PDF, XLSX, Progress, ReportError, ReportSpec
from reports.charts import bar_chart
from reports.pdf import REPORT_LANGUAGE, report_context, write_pdf

TITLE = "小额借款资产情况表"
BUCKET_WORDS = {
    "1-30": "1–30天",
    "31-90": "31–90天",
    "91-180": "91–180天",
    "181-360": "181–360天",
    ">360": "360天以上",
}
MONEY_FORMAT = "#,##0.00"
RATE_FORMAT = "0.0"


@dataclass
class Portfolio:
    as_of: datetime.date
    rows: list[PortfolioRow]
    total: PortfolioRow
    current: bool  # the report's day is today: every figure is of that day


def portfolio_of(spec: ReportSpec) -> Portfolio:
    """The portfolio of the report's union (its reader's loans) at the end of its period."""
    today = timezone.localdate()
    as_of = min(spec.period.end, today)
    rows = portfolio(spec.reader, today=as_of, union=spec.union)
    return Portfolio(as_of, rows, portfolio_totals(rows), current=as_of == today)


def build(spec: ReportSpec, out: BinaryIO, progress: Progress) -> None:
    if spec.period is None:
        raise ReportError(
            _("The loan portfolio is built for a period: choose a year, quarter or month.")
        )
    writers = {PDF: write_portfolio_pdf, XLSX: write_portfolio_xlsx}
    if spec.format not in writers:
        raise ReportError(_("The loan portfolio is built as a PDF or an .xlsx."))
    if spec.reader is not None and not spec.reader.has_perm("relief.view_loans"):
        raise ReportError(_("You may not read the loans."))
    progress(0, 2, _("Adding up the loans"))
    figures = portfolio_of(spec)
    progress(1, 2, _("Writing the report"))
    writers[spec.format](spec, figures, out)
    progress(2, 2, _("Writing the report"))


# --- PDF -----------------------------------------------------------------------------------------


def yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


def rate(row: PortfolioRow) -> str:
    return "—" if row.repayment_rate is None else f"{row.repayment_rate}%"


def _display(row: PortfolioRow) -> dict:
    return {
        "union_name": row.union_name,
        "lender": row.lender,
        "disbursed": row.disbursed,
        "outstanding": yuan(row.outstanding),
        "buckets": [yuan(row.overdue[name][1]) for name in BUCKET_NAMES],
        "overdue_total": yuan(row.overdue_total),
        "repaid_count": row.repaid_count,
        "repaid_principal": yuan(row.repaid_principal),
        "due_to_date": yuan(row.due_to_date),
        "paid_to_date": yuan(row.paid_to_date),
        "rate": rate(row),
        "subsidy": yuan(row.subsidy),
        "written_off": row.written_off,
    }


def write_portfolio_pdf(spec: ReportSpec, figures: Portfolio, out: BinaryIO) -> None:
    total = figures.total
    with translation.override(REPORT_LANGUAGE):
        chart = bar_chart(
            [(BUCKET_WORDS[name], total.overdue[name][1]) for name in BUCKET_NAMES],
            title="逾期借款余额（按逾期天数）",
            unit="元",
        )
    share = {
        name: (
            f"{total.overdue[name][1] * 100 / total.outstanding:.1f}%" if total.outstanding else "—"
        )
        for name in BUCKET_NAMES
    }
    context = {
        **report_context(spec, TITLE),
        "as_of": figures.as_of,
        "current": figures.current,
        "bucket_words": [BUCKET_WORDS[name] for name in BUCKET_NAMES],
        "rows": [_display(row) for row in figures.rows],
        "total": _display(total),
        "aging": [
            (BUCKET_WORDS[name], total.overdue[name][0], yuan(total.overdue[name][1]), share[name])
            for name in BUCKET_NAMES
        ],
        "overdue_share": (
            f"{total.overdue_total * 100 / total.outstanding:.1f}%" if total.outstanding else "—"
        ),
        "chart": chart,
        "note": "" if figures.current else past_note(figures.as_of),
    }
    write_pdf("reports/loan_portfolio.html", context, out)


# --- xlsx ----------------------------------------------------------------------------------------

# (header, width, number format or None) in the order of _cells.
XLSX_COLUMNS: list[tuple[str, int, str | None]] = [
    ("工会", 20, None),
    ("出借方", 16, None),
    ("在贷笔数", 9, "0"),
    ("借款余额（元）", 15, MONEY_FORMAT),
]
for _name in BUCKET_NAMES:
    XLSX_COLUMNS += [
        (f"逾期{BUCKET_WORDS[_name]}笔数", 10, "0"),
        (f"逾期{BUCKET_WORDS[_name]}余额（元）", 15, MONEY_FORMAT),
    ]
XLSX_COLUMNS += [
    ("逾期合计（元）", 15, MONEY_FORMAT),
    ("已结清笔数", 10, "0"),
    ("已结清本金（元）", 15, MONEY_FORMAT),
    ("到期应还（元）", 15, MONEY_FORMAT),
    ("到期实还（元）", 15, MONEY_FORMAT),
    ("还款率（%）", 10, RATE_FORMAT),
    ("贴息（元）", 13, MONEY_FORMAT),
    ("核销笔数", 9, "0"),
]
HEADER_ROW = 2


def _cells(row: PortfolioRow, union_name: str, lender: str) -> list:
    cells: list = [safe_text(union_name), safe_text(lender), row.disbursed, row.outstanding]
    for name in BUCKET_NAMES:
        cells += row.overdue[name]
    return [
        *cells,
        row.overdue_total,
        row.repaid_count,
        row.repaid_principal,
        row.due_to_date,
        row.paid_to_date,
        row.repayment_rate,
        row.subsidy,
        row.written_off,
    ]


def write_portfolio_xlsx(spec: ReportSpec, figures: Portfolio, out: BinaryIO) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "小额借款"
    heading = f"{spec.union_name} {TITLE}（截至 {figures.as_of:%Y-%m-%d}）"
    sheet.append([safe_text(heading)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([header for header, _width, _format in XLSX_COLUMNS])
    for cell in sheet[HEADER_ROW]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEEEEE")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in figures.rows:
        sheet.append(_cells(row, row.union_name, row.lender))
    sheet.append(_cells(figures.total, "合计", ""))
    last = sheet.max_row
    for cell in sheet[last]:
        cell.font = Font(bold=True)
    for index, (_header, width, number_format) in enumerate(XLSX_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        if number_format:
            for (cell,) in sheet.iter_rows(
                min_row=HEADER_ROW + 1, max_row=last, min_col=index, max_col=index
            ):
                cell.number_format = number_format
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=3)
    if not figures.current:
        sheet.cell(row=last + 2, column=1).value = past_note(figures.as_of)
    stream = io.BytesIO()
    book.save(stream)
    out.write(stream.getvalue())


def past_note(as_of: datetime.date) -> str:
    """What a report of a past period says of its figures (the portfolio keeps no history)."""
    return (
        f"说明：应还为截至 {as_of:%Y-%m-%d} 到期的分期，实还为这些分期至制表日的还款；"
        f"在贷笔数、借款余额、逾期、结清、核销与贴息为制表日（{timezone.localdate():%Y-%m-%d}）"
        "的数据。"
    )
