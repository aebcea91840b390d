"""The ledger's export (relief.exporting): the web's .xlsx and CSV and `manage.py export_ledger`
write the same rows — Chinese headers, dates as dates, amounts as numbers, formula-like text
escaped, a totals line, a next sheet when one is full — in the user's scope, in flat memory."""

import csv
import io
import threading
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from relief import exporting, services
from relief.models import Disbursement, Fund, LineKind, Method, Programme
from tests.ledger_support import approved_relief

pytestmark = pytest.mark.django_db

HEADERS = [header for header, _width in exporting.COLUMNS]
YEAR = timezone.localdate().year


def add_lines(people, count: int, *, household=None, amount="100.00", on=None, **fields) -> None:
    """`count` payment lines written straight into the ledger (INSERT is what it allows)."""
    household = household or people.household_a
    programme = fields.pop("programme", None) or Programme.objects.order_by("pk").first()
    fund = Fund.objects.order_by("pk").first()
    start = Disbursement.objects.count()
    Disbursement.objects.bulk_create(
        Disbursement(
            voucher_number=f"T{start + number:08d}",
            kind=LineKind.PAYMENT,
            paid_on=on or date(YEAR, 1, 15),
            payer=people.finance,
            household=household,
            union_id=household.union_id,
            programme=programme,
            fund=fund,
            method=Method.CASH,
            amount=Decimal(amount),
            **fields,
        )
        for number in range(count)
    )


def read_xlsx(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def xlsx_of(lines) -> bytes:
    stream = io.BytesIO()
    exporting.export_ledger(lines, stream, format="xlsx")
    return stream.getvalue()


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def paid(registry):
    """A payment of household_a reversed, then paid again: three lines, net 1,200.00."""
    people = registry
    entitlement = approved_relief(people, amount="1200.00")
    today = timezone.localdate()
    first = services.disbursement_pay(
        actor=people.finance,
        entitlement=entitlement,
        method=Method.CASH,
        amount=Decimal("1200.00"),
        paid_on=today - timedelta(days=1),
        signed_by="张三",
        note='=HYPERLINK("http://example.test")',
    )
    services.disbursement_reverse(
        actor=people.finance, line=first, reason="-金额录错", paid_on=today
    )
    entitlement.refresh_from_db()
    services.disbursement_pay(
        actor=people.finance,
        entitlement=entitlement,
        method=Method.CASH,
        amount=Decimal("1200.00"),
        paid_on=today,
        signed_by="张三",
    )
    people.first = first
    return people


def test_the_xlsx_has_chinese_headers_dates_amounts_and_a_totals_line(paid):
    book = read_xlsx(xlsx_of(Disbursement.objects.all()))
    (sheet,) = book.worksheets
    assert sheet.title == "台账"
    assert sheet.freeze_panes == "A2"
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == HEADERS
    first, reversal, _again, totals = rows[1:]
    assert first[0] == paid.first.voucher_number
    assert first[1].date() == paid.first.paid_on  # a date, shown yyyy-mm-dd
    assert sheet["B2"].number_format == "yyyy-mm-dd"
    assert (first[2], first[3], first[8]) == ("发放", "张三", "现金")
    assert first[9] == 1200 and sheet["J2"].number_format == "0.00"
    assert reversal[2] == "冲销" and reversal[9] == -1200  # a number, not text
    assert reversal[10] == f"冲销 {paid.first.voucher_number}"
    assert first[10] == f"已被 {reversal[0]} 冲销"
    # Formula-like text gets an apostrophe: the note of the line, the reason of the reversal.
    assert first[12] == '\'=HYPERLINK("http://example.test")'
    assert reversal[12] == "'-金额录错"
    assert totals[0] == "合计" and totals[3] == "3笔" and totals[9] == 1200
    assert totals[12] == "发放 2400.00 元，冲销 -1200.00 元，净额 1200.00 元"
    assert sheet["A5"].font.b


def test_the_csv_is_utf8_with_a_bom_and_the_same_rows(paid):
    data = b"".join(exporting.export_ledger_csv(Disbursement.objects.all()))
    rows = csv_rows(data)
    assert rows[0] == HEADERS
    assert [row[9] for row in rows[1:]] == ["1200.00", "-1200.00", "1200.00", "1200.00"]
    assert rows[1][1] == paid.first.paid_on.isoformat()
    assert rows[1][12].startswith("'=") and rows[2][12] == "'-金额录错"
    assert rows[-1][:4] == ["合计", "", "", "3笔"]


def test_a_full_sheet_continues_on_the_next_with_the_header(registry, monkeypatch):
    monkeypatch.setattr(exporting, "SHEET_ROWS", 2)
    add_lines(registry, 5)
    book = read_xlsx(xlsx_of(Disbursement.objects.all()))
    assert book.sheetnames == ["台账", "台账(2)", "台账(3)"]
    values = [[[c.value for c in row] for row in sheet.iter_rows()] for sheet in book.worksheets]
    assert [len(rows) for rows in values] == [3, 3, 3]  # header + 2, header + 2, header + 1 + 合计
    assert all(rows[0] == HEADERS for rows in values)
    assert all(sheet.freeze_panes == "A2" for sheet in book.worksheets)
    vouchers = [row[0] for rows in values for row in rows[1:]]
    assert vouchers == [f"T{n:08d}" for n in range(5)] + ["合计"]


def test_the_totals_line_goes_on_a_new_sheet_when_the_last_is_full(registry, monkeypatch):
    monkeypatch.setattr(exporting, "SHEET_ROWS", 2)
    add_lines(registry, 4)
    book = read_xlsx(xlsx_of(Disbursement.objects.all()))
    assert book.sheetnames == ["台账", "台账(2)", "台账(3)"]
    last = [[c.value for c in row] for row in book.worksheets[2].iter_rows()]
    assert last[0] == HEADERS and last[1][0] == "合计" and last[1][9] == 400


def test_one_query_and_flat_memory_whatever_the_number_of_lines(registry, monkeypatch):
    """Rows are fetched and written in chunks: the peak is one chunk's, at any row count."""
    monkeypatch.setattr(exporting, "CHUNK_ROWS", 200)
    monkeypatch.setattr("relief.xlsx_stream.FLUSH_ROWS", 200)

    def peak(lines: int) -> int:
        add_lines(registry, lines - Disbursement.objects.count())
        tracemalloc.start()
        with CaptureQueriesContext(connection) as queries:
            for chunk in exporting.export_ledger_xlsx(Disbursement.objects.all()):
                del chunk
        size = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert sum("relief_disbursement" in q["sql"] for q in queries) == 1
        return size

    small, large = peak(1000), peak(4000)
    assert large < small * 1.3, (small, large)


def test_every_kind_and_method_has_its_word():
    assert set(exporting.KIND_WORDS) == set(LineKind.values)
    assert set(exporting.METHOD_WORDS) == set(Method.values)


def test_formula_escaping_leaves_plain_text_alone():
    assert exporting.safe_text("=1+1") == "'=1+1"
    assert exporting.safe_text("+86 138") == "'+86 138"
    assert exporting.safe_text("@SUM") == "'@SUM"
    assert exporting.safe_text("张三") == "张三"
    assert exporting.safe_text("a\x01b") == "a\ufffdb"


# --- The web export -------------------------------------------------------------------------------


def test_finance_streams_the_filtered_ledger_as_xlsx(paid, client):
    client.force_login(paid.finance)
    other = Programme.objects.exclude(pk=paid.first.programme_id).order_by("pk").first()
    add_lines(paid, 2, programme=other)
    url = reverse("relief:ledger_export")
    response = client.get(url, {"format": "xlsx", "programme": paid.first.programme_id})
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == exporting.XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    sheet = read_xlsx(b"".join(response.streaming_content)).worksheets[0]
    assert sheet.max_row == 1 + 3 + 1  # header, the three lines of the programme, totals
    everything = client.get(url, {"format": "csv"})
    assert len(csv_rows(b"".join(everything.streaming_content))) == 1 + 5 + 1


def test_grassroots_staff_export_their_union_s_lines_only(paid, client):
    add_lines(paid, 2, household=paid.household_b)
    client.force_login(paid.caseworker_b)
    response = client.get(reverse("relief:ledger_export"), {"format": "csv"})
    rows = csv_rows(b"".join(response.streaming_content))
    assert len(rows) == 1 + 2 + 1
    assert {row[5] for row in rows[1:-1]} == {paid.union_b.name}
    client.force_login(paid.caseworker_a)
    response = client.get(reverse("relief:ledger_export"), {"format": "csv"})
    assert len(csv_rows(b"".join(response.streaming_content))) == 1 + 3 + 1
    # Asking for another union's lines is refused, not widened or emptied silently.
    response = client.get(
        reverse("relief:ledger_export"), {"format": "csv", "union": paid.union_b.pk}
    )
    assert response.status_code == 302 and response.url.startswith(reverse("relief:ledger"))


def test_a_large_export_becomes_a_report_job_with_the_same_lines(
    paid, client, settings, django_capture_on_commit_callbacks
):
    from reports.models import JobState, ReportJob

    settings.REPORT_WEB_ROWS = 2
    client.force_login(paid.auditor)
    for format in ("xlsx", "csv"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get(reverse("relief:ledger_export"), {"format": format, "year": YEAR})
        assert response.status_code == 302 and response.url.startswith(reverse("reports:index"))
        job = ReportJob.objects.get(kind="ledger_search", format=format)
        assert job.state == JobState.SUCCEEDED and job.params == {"filters": {"year": [str(YEAR)]}}
        download = client.get(reverse("reports:download", args=[job.pk]))
        content = b"".join(download.streaming_content)
        if format == "csv":
            assert len(csv_rows(content)) == 1 + 3 + 1
    # At or under the threshold the request streams the file itself.
    settings.REPORT_WEB_ROWS = 3
    response = client.get(reverse("relief:ledger_export"), {"format": "csv", "year": YEAR})
    assert response.status_code == 200
    assert len(csv_rows(b"".join(response.streaming_content))) == 1 + 3 + 1


def test_an_unknown_format_is_refused(paid, client):
    client.force_login(paid.finance)
    response = client.get(reverse("relief:ledger_export"), {"format": "pdf"})
    assert response.status_code == 302


def test_the_ledger_page_links_the_export_with_its_filters(paid, client):
    client.force_login(paid.finance)
    response = client.get(reverse("relief:ledger"), {"year": YEAR})
    assert (
        f"{reverse('relief:ledger_export')}?year={YEAR}&amp;format=xlsx"
        in response.content.decode()
    )


# --- manage.py export_ledger ----------------------------------------------------------------------


def test_the_command_writes_the_year_as_xlsx_or_csv(paid, tmp_path):
    add_lines(paid, 2, household=paid.household_b)
    add_lines(paid, 1, on=date(YEAR - 1, 6, 1))
    out = io.StringIO()
    call_command("export_ledger", year=str(YEAR), out=str(tmp_path / "l.xlsx"), stdout=out)
    sheet = read_xlsx((tmp_path / "l.xlsx").read_bytes()).worksheets[0]
    assert sheet.max_row == 1 + 5 + 1
    assert "5 笔" in out.getvalue()
    call_command(
        "export_ledger",
        year=str(YEAR),
        union=paid.union_b.code,
        out=str(tmp_path / "b.csv"),
        stdout=io.StringIO(),
    )
    rows = csv_rows((tmp_path / "b.csv").read_bytes())
    assert len(rows) == 1 + 2 + 1 and rows[-1][9] == "200.00"
    call_command(
        "export_ledger",
        year=str(YEAR),
        union=paid.county.code,
        out=str(tmp_path / "c.csv"),
        stdout=io.StringIO(),
    )
    assert len(csv_rows((tmp_path / "c.csv").read_bytes())) == 1 + 5 + 1


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"year": "二〇二六"}, "不是数字"),
        ({"year": "1999"}, "超出范围"),
        ({"union": "9999"}, "找不到代码为“9999”的工会"),
        ({"out": "ledger.pdf"}, ".xlsx 或 .csv"),
    ],
)
def test_the_command_refuses_bad_arguments_in_chinese(registry, tmp_path, options, words):
    arguments = {"year": str(YEAR), "out": "ledger.xlsx", **options}
    arguments["out"] = str(tmp_path / arguments["out"])
    with pytest.raises(CommandError, match=words):
        call_command("export_ledger", stdout=io.StringIO(), **arguments)
    assert not list(tmp_path.iterdir())


def test_the_totals_agree_with_the_ledger_page_to_the_fen(paid):
    from relief import selectors

    add_lines(paid, 3, amount="333.33", household=paid.household_b)
    lines = selectors.ledger_lines(paid.finance)
    totals = exporting.export_ledger(lines, io.BytesIO(), format="csv")
    page = selectors.ledger_totals(lines)
    assert (totals.lines, totals.payments, totals.reversals, totals.net) == (
        page["count"],
        page["payments"],
        page["reversals"],
        page["net"],
    )
    assert totals.net == Decimal("2199.99")


# Text that needs each rule of the CSV: formula-like starts, characters XML refuses, what the
# csv module quotes, the separators the database joins fields with (relief.exporting), and
# text that needs none.
AWKWARD = [
    "=1+2",
    "+86 138",
    "-金额录错",
    "@某人",
    "\t跳格",
    "\r回车",
    "甲,乙",
    '他说"好"',
    "两行\n文字",
    "中\r间",
    "控\x01制",
    "竖\x0b表",
    "分\x1d组",
    "记\x1e录",
    "单\x1f元",
    "'已有撇号",
    "a|b",
    "😀 表情",
    "普通备注",
    "",
]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="on PostgreSQL the database writes the CSV lines"
)
def test_the_database_writes_the_same_csv_as_python(paid, monkeypatch):
    """csv_chunks_from_database gives csv_chunks' bytes and totals, whichever rule a line needs,
    in chunks that need none (joined by the database) and chunks that need some (read again)."""
    people = paid
    head = people.household_b.head
    head.name = "=户主,甲"
    head.save(update_fields=["name"])
    people.union_b.name = '工会"乙"'
    people.union_b.save(update_fields=["name"])
    for number, text in enumerate(AWKWARD):
        add_lines(people, 1, note=text, household=people.household_b if number % 3 else None)
    add_lines(people, 7, note="普通备注")  # whole chunks needing no rule
    monkeypatch.setattr(exporting, "CHUNK_ROWS", 3)
    lines = Disbursement.objects.all()
    by_database, database_totals = b"", exporting.Totals()
    for chunk in exporting.export_ledger_csv(lines, database_totals):
        by_database += chunk
    monkeypatch.setattr(exporting, "csv_chunks_from_database", exporting.csv_chunks)
    by_python, python_totals = b"", exporting.Totals()
    for chunk in exporting.export_ledger_csv(lines, python_totals):
        by_python += chunk
    assert by_database == by_python
    assert database_totals == python_totals
    rows = csv_rows(by_database)
    assert [row[12] for row in rows[1 : len(AWKWARD) + 1]] == [
        exporting.safe_text(text) for text in AWKWARD
    ]
    assert rows[-1][3] == f"{len(rows) - 2}笔"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="on PostgreSQL the database writes the CSV lines"
)
@pytest.mark.django_db(transaction=True)
def test_a_line_paid_during_the_export_is_in_neither_its_lines_nor_its_totals(paid, monkeypatch):
    """Outside a transaction the export reads its totals and its lines in one snapshot: a line
    committed by someone else between the two is in neither."""
    from relief import selectors

    before = Disbursement.objects.count()
    counted = selectors.ledger_totals

    def totals_then_a_payment(lines):
        figures = counted(lines)
        paying = threading.Thread(target=add_lines, args=(paid, 1), kwargs={"note": "导出期间"})
        paying.start()
        paying.join()
        return figures

    monkeypatch.setattr(selectors, "ledger_totals", totals_then_a_payment)
    totals = exporting.Totals()
    data = b"".join(exporting.export_ledger_csv(Disbursement.objects.all(), totals))
    assert Disbursement.objects.count() == before + 1  # it was paid, and committed
    rows = csv_rows(data)
    assert len(rows) == 1 + before + 1 and totals.lines == before
    assert "导出期间" not in data.decode("utf-8-sig")
