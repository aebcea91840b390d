"""The catalogue's builders of the ledger, the notice, the bank sheet and the loan portfolio
(reports.builders.*), called directly as the task calls them: their totals against
independent queries, each reader's scope (a grassroots union's staff get their union's rows
only; a notice or sheet out of scope is refused before anything is written or logged), and
the files themselves — xlsx that openpyxl reads, CSV with a BOM, PDFs whose text holds the
figures and whose fonts are embedded."""

import csv
import io
import shutil
import subprocess
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.db.models import F, Q, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import printing
from cases import services as case_services
from cases.models import NoticeState
from helpcenter.models import Role
from households.models import PersonalDataRead
from relief import bank, cards, exporting, lending
from relief.models import (
    Disbursement,
    Fund,
    Instalment,
    LineKind,
    Loan,
    LoanState,
    Method,
    Programme,
    RepaymentAllocation,
)
from reports.catalogue import CSV, PDF, XLSX, Period, ReportError, ReportSpec, kind_of
from tests.factories import UserFactory, household_for
from tests.loan_support import disbursed_loan
from tests.relief_bank_support import entitlement_for

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
EVERYTHING = Q()
NEEDS_POPPLER = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdffonts")), reason="needs poppler-utils"
)


class Calls:
    """A progress callback that remembers what it was told."""

    def __init__(self):
        self.calls: list[tuple[int, int]] = []

    def __call__(self, done: int, total: int, stage: str = "") -> None:
        assert stage
        self.calls.append((done, total))


def build(kind: str, out=None, progress=None, **spec) -> bytes:
    out = io.BytesIO() if out is None else out
    kind_of(kind).build(ReportSpec(kind=kind, **spec), out, progress or Calls())
    return out.getvalue()


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def fonts_embedded(data: bytes, tmp_path) -> list[str]:
    """The `emb` column of pdffonts for each font (all "yes" when every font is embedded)."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    listing = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    return [line.split()[-5] for line in listing]


# --- The ledger ---------------------------------------------------------------------------------


def add_lines(people, household, count: int, amount: str, on: date) -> None:
    """Payment lines written straight into the ledger (INSERT is what it allows)."""
    start = Disbursement.objects.count()
    Disbursement.objects.bulk_create(
        Disbursement(
            voucher_number=f"R{start + number:08d}",
            kind=LineKind.PAYMENT,
            paid_on=on,
            payer=people.finance,
            household=household,
            union_id=household.union_id,
            programme=Programme.objects.order_by("pk").first(),
            fund=Fund.objects.order_by("pk").first(),
            method=Method.CASH,
            amount=Decimal(amount),
        )
        for number in range(count)
    )


@pytest.fixture
def ledger(registry):
    """Union A: 3 × 100.00 in January, 1 × 40.00 in March, one line of last year; union B:
    2 × 250.00 in January."""
    people = registry
    add_lines(people, people.household_a, 3, "100.00", date(YEAR, 1, 15))
    add_lines(people, people.household_a, 1, "40.00", date(YEAR, 3, 2))
    add_lines(people, people.household_a, 1, "999.00", date(YEAR - 1, 12, 31))
    add_lines(people, people.household_b, 2, "250.00", date(YEAR, 1, 20))
    return people


def ledger_rows_of_xlsx(data: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return list(sheet.iter_rows(values_only=True))


def expected(period: Period, scope=EVERYTHING):
    lines = Disbursement.objects.filter(scope, paid_on__range=(period.start, period.end))
    return lines.count(), lines.aggregate(net=Sum("amount"))["net"], lines


def test_the_ledger_xlsx_holds_the_period_lines_with_their_totals(ledger):
    period = Period.parse(str(YEAR))
    data = build("ledger", format=XLSX, period=period, reader=ledger.finance)
    rows = ledger_rows_of_xlsx(data)
    count, net, lines = expected(period)
    assert rows[0][0] == "凭证号"
    body, last = rows[1:-1], rows[-1]
    assert len(body) == count == 6
    assert {row[0] for row in body} == set(lines.values_list("voucher_number", flat=True))
    assert last[0] == "合计" and last[3] == f"{count}笔"
    assert Decimal(str(last[exporting.AMOUNT_COLUMN])) == net == Decimal("840.00")


def test_the_ledger_of_a_month_or_a_union(ledger):
    january = Period.parse(f"{YEAR}-01")
    data = build("ledger", format=CSV, period=january, union=ledger.union_b)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    count, net, _lines = expected(january, Q(union=ledger.union_b))
    assert len(rows) - 2 == count == 2
    assert {row[5] for row in rows[1:-1]} == {ledger.union_b.name}
    assert rows[-1][exporting.AMOUNT_COLUMN] == f"{net:.2f}" == "500.00"


def test_a_grassroots_reader_gets_only_its_unions_lines(ledger):
    period = Period.parse(str(YEAR))
    data = build("ledger", format=CSV, period=period, reader=ledger.caseworker_a)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:-1]
    count, _net, lines = expected(period, Q(union=ledger.union_a))
    assert len(rows) == count == 4
    assert {row[0] for row in rows} == set(lines.values_list("voucher_number", flat=True))
    assert ledger.union_b.name not in data.decode("utf-8-sig")
    # Asking for the other union's ledger gives nothing of it: the reader's scope holds.
    data = build(
        "ledger", format=XLSX, period=period, union=ledger.union_b, reader=ledger.caseworker_a
    )
    assert len(ledger_rows_of_xlsx(data)) == 2  # the header and an empty totals line


def test_a_reader_who_may_not_read_the_ledger_gets_nothing(ledger):
    out = io.BytesIO()
    with pytest.raises(ReportError):
        build("ledger", out, format=CSV, period=Period.parse(str(YEAR)), reader=ledger.outsider)
    assert out.getvalue() == b""


def test_the_ledger_counts_once_then_reports_progress_as_it_writes(ledger, monkeypatch):
    monkeypatch.setattr(exporting, "CHUNK_ROWS", 2)
    progress = Calls()
    with CaptureQueriesContext(connection) as queries:
        build("ledger", format=XLSX, period=Period.parse(str(YEAR)), progress=progress)
    assert progress.calls == [(0, 6), (2, 6), (4, 6), (6, 6), (6, 6)]
    assert sum("COUNT(" in query["sql"].upper() for query in queries.captured_queries) == 1


# --- The notice ---------------------------------------------------------------------------------


def test_a_notice_prints_for_those_who_may_see_it(workflow, tmp_path):
    people = workflow
    for reader in (people.caseworker_a, people.supervisor, None):
        data = build("notice", format=PDF, reader=reader, params={"notice": people.notice_a.pk})
        assert data.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        assert people.household_a.head.name in pdf_text(data, tmp_path)


@pytest.mark.parametrize(
    "reader, params",
    [
        ("caseworker_b", None),  # another union's notice
        ("outsider", None),  # of union A, but no role: may not view notices
        ("supervisor", {"notice": 999_999}),
        ("supervisor", {}),
        ("supervisor", {"notice": "x"}),
    ],
)
def test_a_notice_out_of_scope_or_missing_is_refused_and_nothing_written(workflow, reader, params):
    out = io.BytesIO()
    params = {"notice": workflow.notice_a.pk} if params is None else params
    with pytest.raises(ReportError):
        build("notice", out, format=PDF, reader=workflow[reader], params=params)
    assert out.getvalue() == b""


def test_a_closed_notice_gives_its_archived_copy(workflow, monkeypatch):
    notice = workflow.notice_a
    assert case_services.notice_close(notice=notice, today=notice.end_on + timedelta(days=1))
    notice.refresh_from_db()
    assert notice.state == NoticeState.CLOSED and notice.archived_pdf

    def reprinted(notice):
        raise AssertionError("a closed notice is not printed again")

    monkeypatch.setattr(printing, "notice_pdf", reprinted)
    data = build("notice", format=PDF, reader=workflow.caseworker_a, params={"notice": notice.pk})
    with notice.archived_pdf.open("rb") as archived:
        assert data == archived.read()


# --- The bank sheet -----------------------------------------------------------------------------

CARDS = ["6217000010012345678", "6228480012340001"]


@pytest.fixture
def sheet(registry):
    """A sheet of two entitlements (1,000.00 of union A, 800.00 of union B): the county's."""
    people = registry
    entitlements = []
    for household, amount, number in zip(
        [people.household_a, people.household_b], ["1000.00", "800.00"], CARDS, strict=True
    ):
        cards.bank_account_add(
            actor=people.finance,
            household=household,
            holder=household.head,
            bank_name="农村信用合作联社",
            card_number=number,
        )
        entitlements.append(entitlement_for(people, household, amount))
    people.sheet = bank.bank_sheet_create(
        actor=people.finance, entitlements=entitlements, paid_on=timezone.localdate()
    )
    return people


def test_the_payment_sheet_has_the_full_numbers_and_logs_the_reads(sheet):
    people = sheet
    data = build(
        "bank_sheet",
        format=XLSX,
        reader=people.finance,
        params={"sheet": people.sheet.pk, "part": "sheet"},
    )
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert {row[2] for row in rows[2:-1]} == set(CARDS)
    assert rows[-1][4] == 1800
    assert set(PersonalDataRead.objects.values_list("household_id", "reader_id")) == {
        (people.household_a.pk, people.finance.pk),
        (people.household_b.pk, people.finance.pk),
    }


def test_the_summary_is_masked_and_builds_from_the_command_line(sheet):
    people = sheet
    data = build("bank_sheet", format=XLSX, params={"sheet": people.sheet.pk, "part": "summary"})
    book = openpyxl.load_workbook(io.BytesIO(data))
    text = " ".join(str(value) for row in book.active.iter_rows(values_only=True) for value in row)
    assert people.household_a.head.name in text
    assert not any(number in text for number in CARDS)
    assert people.household_a.head.id_number not in text
    assert not PersonalDataRead.objects.exists()


@pytest.mark.parametrize(
    "reader, params",
    [
        ("caseworker_a", {"part": "summary"}),  # no relief.manage_bank_sheets
        ("supervisor", {"part": "sheet"}),
        ("finance_a", {"part": "sheet"}),  # finance of union A: the county's sheet is not theirs
        ("finance_a", {"part": "summary"}),
        (None, {"part": "sheet"}),  # full numbers leave only to a named reader
        ("finance", {"part": "bank"}),
        ("finance", {"sheet": 999_999}),
    ],
)
def test_a_sheet_out_of_scope_is_refused_nothing_written_nor_logged(sheet, reader, params):
    people = sheet
    people.finance_a = UserFactory(username="finance_a", union=people.union_a, roles=[Role.FINANCE])
    assert people.finance_a.has_perm("relief.manage_bank_sheets")
    out = io.BytesIO()
    with pytest.raises(ReportError):
        build(
            "bank_sheet",
            out,
            format=XLSX,
            reader=people[reader] if reader else None,
            params={"sheet": people.sheet.pk, "part": "sheet", **params},
        )
    assert out.getvalue() == b""
    assert not PersonalDataRead.objects.exists()


# --- The loan portfolio -------------------------------------------------------------------------


def repay(people, loan, amount: str, on: date) -> None:
    lending.loan_repay(actor=people.finance, loan=loan, amount=Decimal(amount), paid_on=on)


@pytest.fixture
def loans(registry):
    """Union A: a loan repaid in full with its subsidy paid (63.22), and one with its first
    instalment repaid, then overdue; union B: a loan never repaid. 12,000.00 each, disbursed
    on 10 January 2025; overdue marked today."""
    people = registry
    settled = disbursed_loan(people)
    repay(people, settled, "1060.00", date(2025, 2, 10))
    repay(people, settled, "11034.83", date(2025, 3, 1))
    lending.loan_subsidy_pay(actor=people.finance, loan=settled, paid_on=date(2025, 3, 5))
    second_a = household_for(people.union_a, actor=people.caseworker_a, name="王淼")
    late = disbursed_loan(people, household=second_a)
    repay(people, late, "1060.00", date(2025, 2, 10))
    disbursed_loan(people, household=people.household_b)
    lending.loans_mark_overdue(today=timezone.localdate())
    return people


def outstanding_of(scope=EVERYTHING) -> Decimal:
    """Disbursed principal less the principal repaid (repayments not reversed), by the ORM."""
    loans = Loan.objects.filter(scope, state=LoanState.DISBURSED)
    principal = loans.aggregate(total=Sum("principal"))["total"] or Decimal(0)
    repaid = RepaymentAllocation.objects.filter(
        repayment__loan__in=loans, repayment__reversal__isnull=True
    ).aggregate(total=Sum("principal"))["total"] or Decimal(0)
    return Decimal(principal - repaid).quantize(Decimal("0.01"))


def subsidy_of(scope=EVERYTHING) -> Decimal:
    lines = Disbursement.objects.filter(kind=LineKind.SUBSIDY, loan__in=Loan.objects.filter(scope))
    return Decimal(lines.aggregate(total=Sum("amount"))["total"] or 0).quantize(Decimal("0.01"))


def portfolio_sheet(data: bytes):
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    header = [cell.value for cell in sheet[2]]
    return sheet, header


def test_the_portfolio_xlsx_matches_independent_queries(loans):
    people = loans
    data = build("loan_portfolio", format=XLSX, period=Period.parse(str(YEAR)))
    sheet, header = portfolio_sheet(data)
    assert sheet.freeze_panes == "C3"
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    total = next(row for row in rows if row[0] == "合计")
    column = {name: header.index(name) for name in header}
    assert Decimal(str(total[column["借款余额（元）"]])) == outstanding_of() == Decimal("23000.00")
    assert total[column["在贷笔数"]] == 2 and total[column["已结清笔数"]] == 1
    assert Decimal(str(total[column["贴息（元）"]])) == subsidy_of() == Decimal("63.22")
    assert Decimal(str(total[column["逾期360天以上余额（元）"]])) == Decimal("23000.00")
    by_union = {row[0]: row for row in rows if row[0] in (people.union_a.name, people.union_b.name)}
    assert Decimal(str(by_union[people.union_a.name][3])) == outstanding_of(Q(union=people.union_a))
    assert Decimal(str(by_union[people.union_b.name][3])) == outstanding_of(Q(union=people.union_b))
    cell = sheet.cell(row=3, column=column["借款余额（元）"] + 1)
    assert cell.number_format == "#,##0.00"


def test_the_portfolio_of_a_past_period_counts_what_was_due_by_its_end(loans):
    period = Period.parse("2025-03")
    data = build("loan_portfolio", format=XLSX, period=period)
    sheet, header = portfolio_sheet(data)
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    total = next(row for row in rows if row[0] == "合计")
    due = Instalment.objects.filter(due__lte=period.end).aggregate(
        total=Sum(F("principal") + F("interest") - F("interest_waived"))
    )["total"]
    assert Decimal(str(total[header.index("到期应还（元）")])).quantize(Decimal("0.01")) == Decimal(
        due
    ).quantize(Decimal("0.01"))
    assert any(str(row[0]).startswith("说明：") for row in rows)  # says what is of today


def test_the_portfolio_of_a_union_or_a_grassroots_reader(loans):
    people = loans
    for spec in ({"union": people.union_b}, {"reader": people.caseworker_a}):
        data = build("loan_portfolio", format=XLSX, period=Period.parse(str(YEAR)), **spec)
        sheet, _header = portfolio_sheet(data)
        unions = {row[0] for row in sheet.iter_rows(min_row=3, values_only=True)} - {"合计", None}
        expected_union = people.union_b if "union" in spec else people.union_a
        assert unions == {expected_union.name}
        total = next(
            row for row in sheet.iter_rows(min_row=3, values_only=True) if row[0] == "合计"
        )
        assert Decimal(str(total[3])) == outstanding_of(Q(union=expected_union))


@NEEDS_POPPLER
def test_the_portfolio_pdf_shows_the_figures_in_embedded_fonts(loans, tmp_path):
    people = loans
    progress = Calls()
    data = build(
        "loan_portfolio",
        format=PDF,
        period=Period.parse(f"{YEAR}-Q{(timezone.localdate().month + 2) // 3}"),
        progress=progress,
    )
    assert progress.calls[-1] == (2, 2)
    text = pdf_text(data, tmp_path)
    for words in (
        "小额借款资产情况表",
        people.union_a.name,
        people.union_b.name,
        f"{outstanding_of():,.2f}",
        f"{outstanding_of(Q(union=people.union_a)):,.2f}",
        f"{subsidy_of():,.2f}",
        "360天以上",
        "第1页共",
    ):
        assert words in text, words
    embedded = fonts_embedded(data, tmp_path)
    assert embedded and set(embedded) == {"yes"}


def test_a_portfolio_needs_a_period_a_known_format_and_a_reader_who_may_read_loans(loans):
    out = io.BytesIO()
    with pytest.raises(ReportError):
        build(
            "loan_portfolio",
            out,
            format=XLSX,
            period=Period.parse(str(YEAR)),
            reader=loans.outsider,
        )
    with pytest.raises(ReportError):
        build("loan_portfolio", out, format=PDF)
    with pytest.raises(ReportError):
        build("loan_portfolio", out, format=CSV, period=Period.parse(str(YEAR)))
    assert out.getvalue() == b""
