"""The ledger (台账) as a spreadsheet: .xlsx or CSV, in memory that stays flat however many lines.

One code path for the web export (relief/views_export.py) and `manage.py export_ledger`: both
pass a queryset of `Disbursement` lines already scoped (`visible_to(user)`) and filtered, and
this module reads it as plain tuples (`values_list(...).iterator(chunk_size=…)`: a server-side
cursor on PostgreSQL, read inside a transaction and planned for every row, no model
instances) and writes each row as it arrives.

- .xlsx: relief.xlsx_stream writes each row's SpreadsheetML into the zip as it comes (it says
  why not openpyxl: speed), so memory does not grow with the row count and the file can go
  straight into an HTTP response. A sheet holds at most 1,048,575 data rows (Excel's
  1,048,576 minus the header); the lines continue on 台账(2), 台账(3)… with the header repeated.
  The header row is frozen, amounts are numbers formatted 0.00, dates are dates.
- CSV: UTF-8 with a byte-order mark (so Excel opens the Chinese), yielded in chunks for a
  StreamingHttpResponse or a file.

Both end with a totals line (合计): the number of lines, payments, reversals and the net. It is
added up while the rows are written, so it is the sum of exactly the lines above it, even when
a payment is recorded while a long export runs (a second query could see one line more).

Text that a spreadsheet would run as a formula (a leading = + - @, tab or carriage return)
gets a leading apostrophe; amounts are numbers and stay numbers (a reversal's -500.00 is not
text). Characters XML cannot hold are replaced.
"""

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO

from django.db import connections, transaction
from django.db.models import QuerySet

from relief.models import LineKind, Method
from relief.xlsx_stream import BOLD, StreamingWorkbook

# An .xlsx is built while the request lasts (about 5 s per 100,000 lines): above this many
# lines the web refuses and points to `manage.py export_ledger` (a later issue moves big
# exports to background jobs). A CSV streams at any size.
WEB_XLSX_ROW_LIMIT = 100_000

SHEET_ROWS = 1_048_575  # data rows per sheet: Excel's 1,048,576 rows less the header
SHEET_TITLE = "台账"
CHUNK_ROWS = 5_000  # rows fetched per round trip, CSV rows per yielded chunk, rows per progress
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")

# (header, column width) in the order of the row tuples below.
COLUMNS: list[tuple[str, int]] = [
    ("凭证号", 16),
    ("日期", 12),
    ("类型", 6),
    ("户主", 10),
    ("档案号", 18),
    ("工会", 18),
    ("项目", 14),
    ("资金来源", 16),
    ("方式", 8),
    ("金额", 12),
    ("冲销凭证", 22),
    ("经办人", 10),
    ("备注", 30),
]
DATE_COLUMN, AMOUNT_COLUMN = 1, 9
# The words of 类型 and 方式 are part of the file's format (a county's macros read them), fixed
# here rather than taken from the translation catalogue of the day.
KIND_WORDS = {
    LineKind.PAYMENT: "发放",
    LineKind.REVERSAL: "冲销",
    LineKind.LOAN_OUT: "借款发放",
    LineKind.REPAYMENT: "借款还款",
    LineKind.SUBSIDY: "贴息",
}
METHOD_WORDS = {Method.BANK: "银行卡", Method.CASH: "现金", Method.GOODS: "实物"}
FIELDS = (
    "voucher_number",
    "paid_on",
    "kind",
    "household__head__name",
    "household__file_number",
    "union__name",
    "programme__name",
    "fund__name",
    "method",
    "amount",
    "reverses__voucher_number",
    "reversal__voucher_number",
    "payer__name",
    "note",
    "loan_id",  # not a column: a micro-loan's lines are not netted with relief (the page's rule)
)


@dataclass
class Totals:
    """As the ledger page sums them (relief.selectors.ledger_totals): the lines, the payments,
    the reversals and the net (a micro-loan's lines are listed but not netted with relief)."""

    lines: int = 0
    payments: Decimal = Decimal("0.00")
    reversals: Decimal = Decimal("0.00")
    net: Decimal = Decimal("0.00")

    def row(self) -> list:
        """The totals line, in the columns of a ledger row."""
        cells: list = [""] * len(COLUMNS)
        cells[0] = "合计"
        cells[3] = f"{self.lines}笔"
        cells[AMOUNT_COLUMN] = self.net
        cells[-1] = (
            f"发放 {self.payments:.2f} 元，冲销 {self.reversals:.2f} 元，净额 {self.net:.2f} 元"
        )
        return cells


def safe_text(value: str) -> str:
    """Text a spreadsheet shows as text: never a formula, never a character XML refuses."""
    if not value.isprintable():  # rare: only then look for the characters XML refuses
        value = ILLEGAL_CHARACTERS.sub("\N{REPLACEMENT CHARACTER}", value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def ledger_query(lines: QuerySet) -> QuerySet:
    """What the export reads: the lines' values in FIELDS order, oldest first (the benchmark
    hands the same SQL to PostgreSQL's COPY)."""
    return lines.order_by("paid_on", "id").values_list(*FIELDS)


def ledger_rows(
    lines: QuerySet, totals: Totals, progress: Callable[[int], None] | None = None
) -> Iterator[list]:
    """The rows of the ledger in the order of COLUMNS, oldest line first, adding each to
    `totals`. Text is already escaped; the date is a date and the amount a Decimal. With
    `progress`, it is called with the number of rows read so far every CHUNK_ROWS rows (a
    report job's progress bar). (Written for speed: it runs once per line, a million times for
    a county's year.)"""
    names: dict[str, str] = {}  # escaped names that repeat: unions, programmes, funds, payers

    def name(value: str | None) -> str:
        escaped = names.get(value)
        if escaped is None:
            escaped = names[value] = safe_text(value or "")
        return escaped

    count, payments, reversals, net = 0, Decimal("0.00"), Decimal("0.00"), Decimal("0.00")
    next_progress = CHUNK_ROWS if progress is not None else -1
    # In a transaction, PostgreSQL streams the rows from a plain server-side cursor; outside
    # one, Django declares it WITH HOLD and the server first copies every row aside.
    with transaction.atomic(using=lines.db):
        connection = connections[lines.db]
        if connection.vendor == "postgresql":
            # Every row is read: plan for all of them (a cursor is planned for its first 10 %,
            # nested loops that take three times as long as COPY over a million lines).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        for (
            voucher,
            paid_on,
            kind,
            head,
            file_number,
            union,
            programme,
            fund,
            method,
            amount,
            reverses,
            reversed_by,
            payer,
            note,
            loan,
        ) in ledger_query(lines).iterator(chunk_size=CHUNK_ROWS):
            count += 1
            if count == next_progress:
                progress(count)
                next_progress += CHUNK_ROWS
            if kind == LineKind.PAYMENT:
                payments += amount
            if loan is None:
                net += amount
                if kind == LineKind.REVERSAL:
                    reversals += amount
            if reverses:
                link = f"冲销 {reverses}"
            elif reversed_by:
                link = f"已被 {reversed_by} 冲销"
            else:
                link = ""
            yield [
                safe_text(voucher),
                paid_on,
                KIND_WORDS.get(kind, kind),
                safe_text(head) if head else "",
                safe_text(file_number),
                name(union),
                name(programme),
                name(fund),
                METHOD_WORDS.get(method, method),
                amount,
                link,
                name(payer),
                safe_text(note) if note else "",
            ]
    totals.lines += count
    totals.payments += payments
    totals.reversals += reversals
    totals.net += net


# --- .xlsx ---------------------------------------------------------------------------------------


class _Chunks:
    """A write-only, unseekable file the zip writes into; the export hands its bytes on."""

    def __init__(self):
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def export_ledger_xlsx(
    lines: QuerySet, totals: Totals | None = None, progress: Callable[[int], None] | None = None
) -> Iterator[bytes]:
    """The ledger lines of `lines` as an .xlsx, in chunks of bytes as the rows are written:
    hand it to a StreamingHttpResponse or write it to a file. It ends with the totals line;
    pass `totals` to read them afterwards, `progress` to hear the rows written (ledger_rows)."""
    totals = Totals() if totals is None else totals
    sink = _Chunks()
    book = StreamingWorkbook(sink)
    widths = [width for _header, width in COLUMNS]
    header = [text for text, _width in COLUMNS]
    sheets = 0

    def next_sheet() -> None:
        nonlocal sheets
        sheets += 1
        title = SHEET_TITLE if sheets == 1 else f"{SHEET_TITLE}({sheets})"
        book.add_sheet(title, widths=widths, header=header)

    next_sheet()
    for cells in ledger_rows(lines, totals, progress):
        if book.rows > SHEET_ROWS:
            next_sheet()
        book.append(cells)
        if sink.parts:
            yield sink.take()
    if book.rows > SHEET_ROWS:
        next_sheet()
    book.append(totals.row(), style=BOLD)
    book.close()
    yield sink.take()


# --- CSV -----------------------------------------------------------------------------------------


def export_ledger_csv(
    lines: QuerySet, totals: Totals | None = None, progress: Callable[[int], None] | None = None
) -> Iterator[bytes]:
    """The ledger lines of `lines` as CSV (UTF-8 with BOM), in chunks of bytes: hand it to a
    StreamingHttpResponse or write it to a file. It ends with the totals line; pass `totals`
    to read them afterwards, `progress` to hear the rows written (ledger_rows)."""
    totals = Totals() if totals is None else totals
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([header for header, _width in COLUMNS])
    pending = 0
    for cells in ledger_rows(lines, totals, progress):
        cells[DATE_COLUMN] = cells[DATE_COLUMN].isoformat()
        cells[AMOUNT_COLUMN] = str(cells[AMOUNT_COLUMN])  # numeric(…, 2): always two places
        writer.writerow(cells)
        pending += 1
        if pending >= CHUNK_ROWS:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    last = totals.row()
    last[AMOUNT_COLUMN] = f"{last[AMOUNT_COLUMN]:.2f}"
    writer.writerow(last)
    yield buffer.getvalue().encode("utf-8")


# --- Either --------------------------------------------------------------------------------------


CHUNKS = {"xlsx": export_ledger_xlsx, "csv": export_ledger_csv}
FORMATS = tuple(CHUNKS)
CONTENT_TYPES = {"xlsx": XLSX_CONTENT_TYPE, "csv": CSV_CONTENT_TYPE}


def export_ledger(
    lines: QuerySet,
    stream: BinaryIO,
    *,
    format: str,
    progress: Callable[[int], None] | None = None,
) -> Totals:
    """Write the ledger lines of `lines` to the binary file `stream` as `format` ("xlsx" or
    "csv"); returns the totals. `progress`, if given, is called with the rows written so far
    every CHUNK_ROWS rows. `manage.py export_ledger`, the ledger report (reports.builders.ledger)
    and the benchmark call this; the web streams the same chunks (relief/views_export.py)."""
    if format not in FORMATS:
        raise ValueError(f"unknown ledger export format {format!r}")
    totals = Totals()
    for chunk in CHUNKS[format](lines, totals, progress):
        stream.write(chunk)
    return totals
