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
from itertools import islice
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


def ledger_chunks(
    lines: QuerySet,
    totals: Totals,
    progress: Callable[[int], None] | None = None,
    *,
    text: bool = False,
) -> Iterator[list[list]]:
    """The rows of the ledger in the order of COLUMNS, oldest line first, in lists of CHUNK_ROWS
    as they are read, adding each to `totals`. Text is already escaped; the date is a date and
    the amount a Decimal, or with `text` both as the CSV writes them (2025-06-01, -1200.00).
    With `progress`, it is called with the number of rows read so far every CHUNK_ROWS rows (a
    report job's progress bar). (Written for speed: the loop runs once per line, a million
    times for a county's year; a chunk at a time spares a generator step per line.)"""
    names: dict[
        str | None, str
    ] = {}  # escaped names that repeat: unions, programmes, funds, payers

    def name(value: str | None) -> str:
        escaped = names[value] = safe_text(value or "")
        return escaped

    payment, reversal = LineKind.PAYMENT.value, LineKind.REVERSAL.value
    kind_words = {str(kind): word for kind, word in KIND_WORDS.items()}
    method_words = {str(method): word for method, word in METHOD_WORDS.items()}
    count, payments, reversals, net = 0, Decimal("0.00"), Decimal("0.00"), Decimal("0.00")
    chunk_rows = CHUNK_ROWS
    # In a transaction, PostgreSQL streams the rows from a plain server-side cursor; outside
    # one, Django declares it WITH HOLD and the server first copies every row aside.
    with transaction.atomic(using=lines.db):
        connection = connections[lines.db]
        if connection.vendor == "postgresql":
            # Every row is read: plan for all of them (a cursor is planned for its first 10 %,
            # nested loops that take three times as long as COPY over a million lines).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        rows = ledger_query(lines).iterator(chunk_size=chunk_rows)
        while chunk := list(islice(rows, chunk_rows)):
            cells = []
            append = cells.append
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
            ) in chunk:
                if kind == payment:
                    payments += amount
                if loan is None:
                    net += amount
                    if kind == reversal:
                        reversals += amount
                if reverses:
                    link = f"冲销 {reverses}"
                elif reversed_by:
                    link = f"已被 {reversed_by} 冲销"
                else:
                    link = ""
                append(
                    [
                        voucher
                        if voucher.isprintable() and not voucher.startswith(FORMULA_STARTS)
                        else safe_text(voucher),
                        paid_on.isoformat() if text else paid_on,
                        kind_words.get(kind, kind),
                        (
                            head
                            if head.isprintable() and not head.startswith(FORMULA_STARTS)
                            else safe_text(head)
                        )
                        if head
                        else "",
                        file_number
                        if file_number.isprintable() and not file_number.startswith(FORMULA_STARTS)
                        else safe_text(file_number),
                        names.get(union) or name(union),
                        names.get(programme) or name(programme),
                        names.get(fund) or name(fund),
                        method_words.get(method, method),
                        str(amount) if text else amount,  # numeric(…, 2): always two places
                        link,
                        names.get(payer) or name(payer),
                        safe_text(note) if note else "",
                    ]
                )
            count += len(chunk)
            if progress is not None and len(chunk) == chunk_rows:
                progress(count)
            yield cells
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
    pass `totals` to read them afterwards, `progress` to hear the rows written (ledger_chunks)."""
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
    for chunk in ledger_chunks(lines, totals, progress):
        for cells in chunk:
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
    to read them afterwards, `progress` to hear the rows written (ledger_chunks). On PostgreSQL
    the database writes each line (csv_lines_sql), elsewhere Python does (csv_chunks): the
    same bytes (tests/test_relief_export.py compares them)."""
    totals = Totals() if totals is None else totals
    yield ("\ufeff" + _csv_text([header for header, _width in COLUMNS])).encode("utf-8")
    if connections[lines.db].vendor == "postgresql":
        yield from csv_chunks_from_database(lines, totals, progress)
    else:
        yield from csv_chunks(lines, totals, progress)
    last = totals.row()
    last[AMOUNT_COLUMN] = f"{last[AMOUNT_COLUMN]:.2f}"
    yield _csv_text(last).encode("utf-8")


CSV_LINE_END = "\r\n"


def _csv_text(*rows: list) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=CSV_LINE_END).writerows(rows)
    return buffer.getvalue()


def csv_chunks(
    lines: QuerySet, totals: Totals, progress: Callable[[int], None] | None = None
) -> Iterator[bytes]:
    """The CSV lines of the ledger's rows (ledger_chunks), a chunk of bytes per chunk of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=CSV_LINE_END)
    for chunk in ledger_chunks(lines, totals, progress, text=True):
        writer.writerows(chunk)
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()


# On PostgreSQL the database writes each line's text and hands the lines over with its own
# COPY (… TO STDOUT, text format): turning a million rows into Python values and writing them
# field by field took three to four times as long as COPY of the rows, and a server-side cursor
# (the way rows are read otherwise) never gets a parallel plan, which COPY does
# (docs/benchmarks.md). Each line is one text column: its fields as csv_chunks writes them before
# escaping (words, dates, amounts, links), separated by control characters — CHECKED before a
# field safe_text escapes, PLAIN before one it does not. A line whose text holds one of those
# characters has them replaced first (safe_text would replace them too), so every line splits
# into its fields. A chunk of lines none of which needs a rule (_needs_a_rule, over the chunk's
# bytes: no character to replace or to quote, none of the backslashes COPY escapes with, no
# escaped field starting like a formula) becomes CSV by replacing the
# separators; any other chunk is split into fields and written by Python as csv_chunks writes
# them. (No query may run while COPY sends, so nothing is read again.) The totals come from one
# aggregate query in the same snapshot. tests/test_relief_export.py compares the bytes of both
# ways.
_CHECKED, _PLAIN = "\x1e", "\x1f"
_SEPARATORS = _CHECKED + _PLAIN
_CHECKED_BYTE, _PLAIN_BYTE = _CHECKED.encode(), _PLAIN.encode()
# In the bytes COPY sends, what needs a rule: a character to replace (ILLEGAL_CHARACTERS but the
# separators) or to quote (Python's csv quotes a field holding one of ",\r\n"; COPY sends a tab,
# a line break, a backslash and a few control characters of the text as escapes starting with a
# backslash), all mapped to NUL for one search; or a checked field starting like a formula (a
# line's first, or one after CHECKED). Byte operations, not a regular expression: they scan a
# chunk ten times as fast.
_RULE_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x1E), *b',"\\'])
_TO_NUL = bytes.maketrans(_RULE_BYTES, bytes(len(_RULE_BYTES)))
# FORMULA_STARTS but tab and CR, which COPY sends escaped (caught as a backslash above).
_FORMULA_BYTES = "".join(FORMULA_STARTS).replace("\t", "").replace("\r", "").encode()
_FORMULA_FIRST = [bytes([start]) for start in _FORMULA_BYTES]
_FORMULA_AFTER = [
    bytes([before, start]) for before in _CHECKED_BYTE + b"\n" for start in _FORMULA_BYTES
]


def _needs_a_rule(data: bytes) -> bool:
    """Whether a chunk of lines as COPY sent them needs one of the rules (see above)."""
    return (
        b"\0" in data.translate(_TO_NUL)
        or data[:1] in _FORMULA_FIRST
        or any(pair in data for pair in _FORMULA_AFTER)
    )


_COPY_ESCAPE = re.compile(r"\\(.)")
_COPY_ESCAPED = {"\\": "\\", "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "v": "\v"}
_TEXT_COLUMNS = (
    "voucher",
    "head",
    "file_number",
    "union_name",
    "programme",
    "fund",
    "reverses",
    "reversed_by",
    "payer",
    "note",
)


def _sql_words(column: str, words: dict) -> tuple[str, list]:
    """SQL of words.get(column, column)."""
    cases = " ".join(["WHEN %s THEN %s"] * len(words))
    return f"CASE {column} {cases} ELSE {column} END", [
        text for key, word in words.items() for text in (str(key), word)
    ]


def _line_sql(replace: bool) -> tuple[str, list]:
    """SQL of a line's fields joined by the separators, with (`replace`) or without the
    separators replaced within the text; and its parameters."""
    params: list = []

    def text(column: str) -> str:  # the column's text, "" for NULL
        if not replace:
            return f"coalesce({column}, '')"
        params.extend([_SEPARATORS, "\N{REPLACEMENT CHARACTER}" * len(_SEPARATORS)])
        return f"translate(coalesce({column}, ''), %s, %s)"

    def word(sql_params: tuple[str, list]) -> str:
        params.extend(sql_params[1])
        return sql_params[0]

    def value(literal: str) -> str:
        params.append(literal)
        return "%s"

    # In the order of COLUMNS; the parameters in the order of the placeholders.
    start = value(_CHECKED)
    first = value(_PLAIN)
    voucher = text("voucher")
    kind = word(_sql_words("kind", KIND_WORDS))
    head, file_number = text("head"), text("file_number")
    union, programme = text("union_name"), text("programme")
    money = value(_PLAIN)
    fund = text("fund")
    method = word(_sql_words("method", METHOD_WORDS))
    reverses_word, reverses = value("冲销 "), text("reverses")
    reversed_word, reversed_by, reversed_end = value("已被 "), text("reversed_by"), value(" 冲销")
    payer, note = text("payer"), text("note")
    link = (
        f"CASE WHEN reverses <> '' THEN {reverses_word} || {reverses} "
        f"WHEN reversed_by <> '' THEN {reversed_word} || {reversed_by} || {reversed_end} "
        "ELSE '' END"
    )
    sql = (
        f"concat_ws({start}, concat_ws({first}, {voucher}, to_char(paid_on, 'YYYY-MM-DD'), "
        f"{kind}), {head}, {file_number}, {union}, {programme}, concat_ws({money}, {fund}, "
        f"{method}, amount::text, {link}), {payer}, {note})"
    )
    return sql, params


def csv_lines_sql(lines: QuerySet) -> tuple[str, list]:
    """SQL giving, for each line of ledger_query(lines) in its order, its fields joined by the
    separators (see above); and its parameters."""
    inner, inner_params = (
        lines.order_by("paid_on", "id")
        .values_list(*FIELDS, "id")
        .query.get_compiler(using=lines.db)
        .as_sql()
    )
    names = (
        "voucher, paid_on, kind, head, file_number, union_name, programme, fund, method, "
        "amount, reverses, reversed_by, payer, note, loan, id"
    )
    replaced, replaced_params = _line_sql(replace=True)
    plain, plain_params = _line_sql(replace=False)
    holds_a_separator = f"concat({', '.join(_TEXT_COLUMNS)}) ~ %s"
    sql = (
        f"SELECT CASE WHEN {holds_a_separator} THEN {replaced} ELSE {plain} END "  # noqa: S608
        f"FROM ({inner}) AS line ({names}) ORDER BY paid_on, id"
    )
    return sql, ["[" + _SEPARATORS + "]", *replaced_params, *plain_params, *inner_params]


def csv_chunks_from_database(
    lines: QuerySet, totals: Totals, progress: Callable[[int], None] | None = None
) -> Iterator[bytes]:
    """csv_chunks with PostgreSQL writing the lines (see above), CHUNK_ROWS lines a chunk."""
    from relief.selectors import ledger_totals

    sql, params = csv_lines_sql(lines)
    chunk_rows, count, line_end = CHUNK_ROWS, 0, CSV_LINE_END.encode()
    connection = connections[lines.db]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=lines.db):
        if outermost:  # the totals and the lines of one snapshot (lines may be added meanwhile)
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        figures = ledger_totals(lines)
        statement = connection.ops.compose_sql(sql, params)
        with (
            connection.connection.cursor() as cursor,
            cursor.copy(f"COPY ({statement}) TO STDOUT") as copy,
        ):
            rows_of = iter(copy)
            while batch := list(islice(rows_of, chunk_rows)):
                data = b"".join(batch)
                if not _needs_a_rule(data):
                    yield (
                        data.replace(_CHECKED_BYTE, b",")
                        .replace(_PLAIN_BYTE, b",")
                        .replace(b"\n", line_end)
                    )
                else:
                    yield _csv_of_copied(data)
                count += len(batch)
                if progress is not None and len(batch) == chunk_rows:
                    progress(count)
    if count != figures["count"]:
        raise RuntimeError(f"the ledger export wrote {count} lines of {figures['count']}")
    totals.lines += count
    totals.payments += figures["payments"]
    totals.reversals += figures["reversals"]
    totals.net += figures["net"]


def _csv_of_copied(data: bytes) -> bytes:
    """CSV of lines as COPY sent them (one a line, escaped in its text format), each split into
    its fields and escaped as ledger_chunks escapes them."""
    rows = []
    for line in data.decode("utf-8").split("\n")[:-1]:
        if "\\" in line:
            line = _COPY_ESCAPE.sub(lambda match: _COPY_ESCAPED.get(match[1], match[1]), line)
        start, head, file_number, union, programme, money, payer, note = line.split(_CHECKED)
        voucher, paid_on, kind = start.split(_PLAIN)
        fund, method, amount, link = money.split(_PLAIN)
        rows.append(
            [
                safe_text(voucher),
                paid_on,
                kind,
                safe_text(head),
                safe_text(file_number),
                safe_text(union),
                safe_text(programme),
                safe_text(fund),
                method,
                amount,
                link,
                safe_text(payer),
                safe_text(note),
            ]
        )
    return _csv_text(*rows).encode("utf-8")


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
