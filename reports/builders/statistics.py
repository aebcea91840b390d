"""The period statistics (月报/季报/年报) for the county federation, as an A4 PDF or an .xlsx.

Both formats are written from the same tables (`collect`), so they show the same numbers.
Every figure comes from reports.statistics (database aggregates, the definitions are there):

- 档案变动: files in hardship the day before the period and on its last day; files registered,
  exited, removed and reinstated in the period (each file once per row);
- files in hardship on the period's last day by category, degree (as classified then),
  employment, union (totals: the files in hardship), and by cause (a file with several causes
  counts under each: no total);
- the exit rate of the year to the period's end (stats.ExitRate): files whose exit stands at
  the end (exited and reinstated within it: not exited) ÷ (in hardship at the start of the
  year + registered during it + returned during it by a reinstatement), beside the 30 % target.
  Only a year report of a year that has ended says whether the target is met; a month or
  quarter (or the current year) shows the year to date as "进行中";
- relief (loans left out) by programme, fund source and month, from the lines dated in the
  period only (so a closed period's report never changes): 户 the distinct households whose
  net in the row is above zero (the total row counts each household once, so it is not the
  sum of the rows), 人次 payment lines less reversal lines (a reversal dated in a later period
  counts −1 there), amounts the lines' net (payments less reversals) in 元 and in 万元
  (÷ 10,000, rounded to 2 places row by row; the 元 columns add up exactly);
- the year's budgets per fund source: allocated, committed, paid (net);
- micro-loans: disbursed in the period, outstanding at its end, overdue now.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from helpcenter.models import in_scope, union_scope
from relief.exporting import safe_text
from reports import statistics as stats
from reports.catalogue import PDF, XLSX, Progress, ReportError, ReportSpec
from reports.pdf import REPORT_LANGUAGE, report_context, write_pdf

TEXT, COUNT, MONEY, WAN, RATE = "text", "count", "money", "wan", "rate"
NUMBER_FORMATS = {COUNT: "#,##0", MONEY: "#,##0.00", WAN: "#,##0.00", RATE: "0.00%"}
STEPS = 6


@dataclass
class Table:
    """One table of the report and one sheet of the workbook."""

    sheet: str  # the sheet's name (at most 31 characters)
    title: str
    columns: list[tuple[str, str]]  # (header, kind)
    rows: list[list] = field(default_factory=list)
    total: list | None = None
    note: str = ""

    def display(self, row: list) -> list[tuple[str, bool]]:
        """The cells as printed: (text, is a number)."""
        return [
            _shown(value, kind) for value, (_header, kind) in zip(row, self.columns, strict=True)
        ]

    @property
    def display_rows(self) -> list[list[tuple[str, bool]]]:
        return [self.display(row) for row in self.rows]

    @property
    def display_total(self) -> list[tuple[str, bool]] | None:
        return None if self.total is None else self.display(self.total)


@dataclass
class Section:
    title: str
    tables: list[Table]
    charts: list = field(default_factory=list)  # SafeString SVG, PDF only


@dataclass
class Statistics:
    title: str
    sections: list[Section]
    start: datetime.date
    end: datetime.date

    def table(self, sheet: str) -> Table:
        return next(t for s in self.sections for t in s.tables if t.sheet == sheet)


def _shown(value, kind: str) -> tuple[str, bool]:
    if value is None:
        return "—", kind != TEXT
    if kind == COUNT:
        return f"{value:,}", True
    if kind in (MONEY, WAN):
        return f"{value:,.2f}", True
    if kind == RATE:
        return f"{value * 100:.2f}%", True
    return str(value), False


def _day(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def title_of(spec: ReportSpec) -> str:
    """某县总工会困难职工帮扶工作2026年第三季度季报."""
    return f"{spec.union_name}困难职工帮扶工作{spec.period.label}{spec.period.report_word}"


def _check(spec: ReportSpec) -> None:
    if spec.period is None:
        raise ReportError(
            _("The statistics are built for a period: choose a year, quarter or month.")
        )
    if spec.format not in (PDF, XLSX):
        raise ReportError(_("The statistics are built as a PDF or an .xlsx."))
    reader = spec.reader
    grassroots = reader is not None and union_scope(reader) is not None
    if grassroots and (spec.union is None or not in_scope(reader, spec.union.pk)):
        raise ReportError(_("You may only ask for the statistics of your own union."))


def build(spec: ReportSpec, out: BinaryIO, progress: Progress) -> None:
    _check(spec)
    with translation.override(REPORT_LANGUAGE):
        figures = collect(spec, progress, charts=spec.format == PDF)
        progress(STEPS - 1, STEPS, "生成文件")
        if spec.format == PDF:
            write_statistics_pdf(spec, figures, out)
        else:
            write_statistics_xlsx(spec, figures, out)
    progress(STEPS, STEPS, "完成")


# --- The figures ---------------------------------------------------------------------------------


def _with_total(rows: list[tuple[str, int]]) -> tuple[list[list], list]:
    return [list(row) for row in rows], ["合计", sum(count for _label, count in rows)]


def _counts_table(
    sheet: str, title: str, header: str, rows, *, total: bool = True, note=""
) -> Table:
    body, total_row = _with_total(rows)
    return Table(
        sheet, title, [(header, TEXT), ("户数", COUNT)], body, total_row if total else None, note
    )


RELIEF_COLUMNS = [("户数", COUNT), ("人次", COUNT), ("金额（元）", MONEY), ("金额（万元）", WAN)]


def _relief_table(sheet: str, title: str, header: str, rows, total) -> Table:
    def cells(row: stats.ReliefRow) -> list:
        return [row.label, row.households, row.times, row.amount, _wan2(row.amount)]

    total_row = cells(total)
    total_row[0] = "合计（户数去重）"
    return Table(
        sheet,
        title,
        [(header, TEXT), *RELIEF_COLUMNS],
        [cells(row) for row in rows],
        total_row,
        "只统计记账日期在本期的台账记录，以后期间的冲销不改变本期数字。"
        "户数：本期发放减冲销的净额大于零的家庭（合计行每户只计一次）；"
        "人次：本期发放笔数减本期冲销笔数（冲销以前期间发放的，本期计 −1 人次、负金额）；"
        "金额：本期发放减冲销的净额，不含小额借款。万元数逐行四舍五入到两位小数。",
    )


def _wan2(amount: Decimal) -> Decimal:
    return stats.wan(amount).quantize(Decimal("0.01"))


def _months(rows: list[stats.ReliefRow], months: list[datetime.date]) -> list[stats.ReliefRow]:
    """Every month of the period, a month without lines as zeros."""
    found = {row.label: row for row in rows}
    return [found.get(f"{m.month}月", stats.ReliefRow(f"{m.month}月")) for m in months]


def collect(spec: ReportSpec, progress: Progress, *, charts: bool = True) -> Statistics:
    """Every table of the report (and its charts when `charts`), in the active language."""
    from reports import charts as draw

    period, union = spec.period, spec.union
    start, end = period.start, period.end
    before = start - datetime.timedelta(days=1)

    progress(0, STEPS, "统计档案")
    moved = stats.movements(start=start, end=end, union=union)
    classified = stats.classified_on(union=union, on=end)
    by_category = stats.households_by_category(on=end, classified=classified)
    by_degree = stats.households_by_degree(on=end, classified=classified)
    by_cause = stats.households_by_cause(union=union, on=end)
    by_employment = stats.households_by_employment(union=union, on=end)
    by_union = stats.households_by_union(union=union, on=end)
    files = Section(
        "一、困难职工家庭档案",
        [
            Table(
                "档案变动",
                "（一）档案变动情况",
                [("项目", TEXT), ("户数", COUNT)],
                [
                    [f"期初在册户数（{_day(before)}）", moved.at_start],
                    ["本期新建档", moved.new],
                    ["本期脱困", moved.exited],
                    ["本期注销", moved.removed],
                    ["本期恢复（撤销脱困或注销）", moved.reinstated],
                    [f"期末在册户数（{_day(end)}）", moved.at_end],
                ],
                note="同一户本期内多次变动的，每项只计一次。",
            ),
            _counts_table("按困难类别", "（二）期末在册户数按困难类别", "困难类别", by_category),
            _counts_table("按困难程度", "（三）期末在册户数按困难程度", "困难程度", by_degree),
            _counts_table(
                "按致困原因",
                "（四）期末在册户数按致困原因",
                "致困原因",
                by_cause,
                total=False,
                note=f"一户可有多项致困原因，各项之和可大于户数（期末在册 {moved.at_end:,} 户）。",
            ),
            _counts_table("按就业状况", "（五）期末在册户数按就业状况", "就业状况", by_employment),
            _counts_table("按基层工会", "（六）期末在册户数按基层工会", "基层工会", by_union),
        ],
    )
    if charts:
        files.charts = [
            draw.bar_chart(by_category, title="期末在册户数按困难类别", unit="户"),
            draw.pie_chart(by_degree, title="期末在册户数按困难程度"),
        ]

    progress(1, STEPS, "统计脱困率")
    rate = stats.exit_rate(year=period.year, union=union, until=end)
    exits = Section("二、脱困情况", [_exit_rate_table(rate, judged=_judged(spec))])

    progress(2, STEPS, "统计帮扶资金")
    relief = stats.relief_breakdown(start=start, end=end, union=union)
    by_programme, total = relief["programme"]
    by_fund, fund_total = relief["fund"]
    by_month, month_total = relief["month"]
    by_month = _months(by_month, period.months())
    funds = stats.budget_use_by_fund(year=period.year, union=union)
    money = Section(
        "三、帮扶资金发放",
        [
            _relief_table("按帮扶项目", "（一）按帮扶项目", "帮扶项目", by_programme, total),
            _relief_table("按资金来源", "（二）按资金来源", "资金来源", by_fund, fund_total),
            _relief_table("按月份", "（三）按月份", "月份", by_month, month_total),
            _budget_table(period.year, funds, county=union is None),
        ],
    )
    if charts:
        money.charts = []
        if period.kind != "month":  # a month's line would be a single point
            money.charts.append(
                draw.line_chart(
                    [row.label for row in by_month],
                    [("帮扶金额", [_wan2(row.amount) for row in by_month])],
                    title="帮扶资金按月发放",
                    unit="万元",
                )
            )
        money.charts.append(
            draw.bar_chart(
                [(row.label, _wan2(row.amount)) for row in by_programme],
                title="帮扶资金按项目",
                unit="万元",
            )
        )

    progress(3, STEPS, "统计小额借款")
    loans = stats.loan_figures(start=start, end=end, union=union)
    lending = Section(
        "四、小额借款",
        [
            Table(
                "小额借款",
                "小额借款发放与回收",
                [
                    ("本期发放笔数", COUNT),
                    ("本期发放金额（元）", MONEY),
                    ("期末在贷笔数", COUNT),
                    ("期末借款余额（元）", MONEY),
                    ("逾期笔数", COUNT),
                    ("逾期余额（元）", MONEY),
                ],
                [
                    [
                        loans.disbursed_count,
                        loans.disbursed_amount,
                        loans.outstanding_count,
                        loans.outstanding,
                        loans.overdue_count,
                        loans.overdue_amount,
                    ]
                ],
                note=(
                    "期末借款余额：期末前发放、未核销的借款本金减期末前已还本金；"
                    f"逾期为制表日（{_day(timezone.localdate())}）逾期未还的借款及其余额。"
                ),
            )
        ],
    )
    progress(4, STEPS, "绘制图表" if charts else "统计完成")
    return Statistics(title_of(spec), [files, exits, money, lending], start, end)


def _judged(spec: ReportSpec) -> bool:
    """Whether the report says if the exit target is met: only for a whole year that has ended
    (a month, a quarter or the current year is the year to date, not the year's result)."""
    return spec.period.kind == "year" and spec.period.end < timezone.localdate()


def _exit_rate_table(rate: stats.ExitRate, *, judged: bool) -> Table:
    span = f"{rate.year}年1月1日至{rate.until.month}月{rate.until.day}日"
    if judged:
        title, rate_header, verdict = f"（一）本年脱困率（{span}）", "脱困率", "是否达标"
        outcome = "已达标" if rate.met else "未达标"
        scope = "年报按全年考核是否达到年度目标。"
    else:
        title, rate_header, verdict = f"（一）本年累计脱困率（{span}）", "本年累计脱困率", "进展"
        outcome = "进行中"
        scope = (
            "月报、季报（及年度未结束时的年报）为本年1月1日至期末的累计数，"
            "年度目标按全年考核，期中不作达标判断。"
        )
    return Table(
        "脱困率",
        title,
        [
            ("年初在册户数", COUNT),
            ("本年新建档户数", COUNT),
            ("本年恢复户数", COUNT),
            ("应计户数", COUNT),
            ("本年脱困户数", COUNT),
            (rate_header, RATE),
            ("年度目标", RATE),
            (verdict, TEXT),
        ],
        [
            [
                rate.at_start,
                rate.new,
                rate.returned,
                rate.base,
                rate.exited,
                rate.rate,
                rate.target,
                outcome,
            ]
        ],
        note=(
            "脱困率 = 本年脱困户数 ÷ 应计户数；应计户数 = 年初在册户数 + 本年新建档户数"
            " + 本年恢复户数（年初不在册、本年撤销脱困或注销后恢复在册的）；"
            "本年脱困户数为本年脱困且至期末未恢复的户数（同年脱困后又恢复的不计为脱困），"
            "每户只计一次；注销不计为脱困。" + scope
        ),
    )


def _budget_table(year: int, funds: list[stats.FundUse], *, county: bool) -> Table:
    def total(values: Callable) -> Decimal | None:
        amounts = [values(fund) for fund in funds]
        return None if any(a is None for a in amounts) else sum(amounts, Decimal("0.00"))

    allocated = total(lambda f: f.allocated)
    paid = total(lambda f: f.paid)
    return Table(
        "预算执行",
        f"（四）{year}年资金预算执行（按资金来源）",
        [
            ("资金来源", TEXT),
            ("年度预算（元）", MONEY),
            ("已审批（元）", MONEY),
            ("已发放（元）", MONEY),
            ("发放进度", RATE),
        ],
        [[f.name, f.allocated, f.committed, f.paid, f.share_paid] for f in funds],
        [
            "合计",
            allocated,
            total(lambda f: f.committed),
            paid,
            (paid / allocated).quantize(Decimal("0.0001")) if allocated else None,
        ],
        "全年数（不限于本期）。已发放为发放减冲销的净额。"
        + ("" if county else "预算由县总工会统一安排，基层工会不列预算数。"),
    )


# --- PDF -----------------------------------------------------------------------------------------


def write_statistics_pdf(spec: ReportSpec, figures: Statistics, out: BinaryIO) -> None:
    context = {
        **report_context(spec, figures.title),
        "sections": figures.sections,
        "start": figures.start,
        "end": figures.end,
    }
    write_pdf("reports/statistics.html", context, out)


# --- xlsx ----------------------------------------------------------------------------------------

HEADER_ROW = 2
THIN = Side(style="thin", color="999999")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _cell(value):
    return safe_text(value) if isinstance(value, str) else value


def write_statistics_xlsx(spec: ReportSpec, figures: Statistics, out: BinaryIO) -> None:
    book = Workbook()
    book.remove(book.active)
    for section in figures.sections:
        for table in section.tables:
            _write_sheet(book, figures.title, table)
    book.save(out)


def _write_sheet(book: Workbook, title: str, table: Table) -> None:
    sheet = book.create_sheet(table.sheet[:31])
    sheet.append([_cell(f"{title} — {table.title}")])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([header for header, _kind in table.columns])
    for cell in sheet[HEADER_ROW]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEEEEE")
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = GRID
    for row in table.rows:
        sheet.append([_cell(value) for value in row])
    if table.total is not None:
        sheet.append([_cell(value) for value in table.total])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    last = sheet.max_row
    for index, (header, kind) in enumerate(table.columns, start=1):
        letter = get_column_letter(index)
        width = 30 if kind == TEXT and index == 1 else max(12, len(header) * 2 + 2)
        sheet.column_dimensions[letter].width = width
        for (cell,) in sheet.iter_rows(
            min_row=HEADER_ROW + 1, max_row=last, min_col=index, max_col=index
        ):
            cell.border = GRID
            if kind in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[kind]
                if cell.value is None:
                    cell.value = "—"
                    cell.alignment = Alignment(horizontal="right")
    if table.note:
        sheet.cell(row=last + 2, column=1, value=_cell(f"注：{table.note}"))
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
