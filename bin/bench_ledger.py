"""The ledger's part of `make bench` (bin/bench_households.py runs it with --ledger-lines N).

Issue 9's targets, at 1,000,000 ledger lines on PostgreSQL: the ledger list with filters under
100 ms on any page, with the same number of queries at 10 and 100 rows per page; the .xlsx
export of the million lines under 150 s with peak memory under 200 MB; a CSV export within 3×
of PostgreSQL's own `COPY (SELECT …) TO STDOUT` of the same rows.

The lines are generated straight into relief_disbursement (the ledger's triggers allow INSERT):
on PostgreSQL with COPY, elsewhere (tests/test_bench.py on SQLite) with bulk_create. Payments
are spread over one year, the households, every seeded programme and fund and the three
methods; one line in 50 is then reversed by an INSERT … SELECT, as finance would.
"""

import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

LIST_TARGET = 0.100  # seconds, any page of the ledger list
XLSX_TARGET = 150.0  # seconds for 1,000,000 lines
XLSX_MEMORY_TARGET = 200  # MB, peak
CSV_FACTOR = 3.0  # the CSV export within 3× of COPY
COPY_BATCH = 50_000  # generated lines per COPY
REVERSED_EVERY = 50  # one payment in 50 is reversed
SEED = 2027


@dataclass
class Ledger:
    year: int
    lines: int  # payments and reversals
    finance: object  # county finance: sees every line
    caseworker: object  # grassroots staff of one union


def run(county, *, lines: int, list_only: bool, say, result, time_get, get) -> list:
    """Generate `lines` payments (and their reversals), time the list and the exports; returns
    the results (bench_households.Result objects, made with `result`)."""
    say(f"generating {lines} ledger lines")
    start = time.perf_counter()
    ledger = _generate(county, lines=lines)
    say(f"  {ledger.lines} lines in {time.perf_counter() - start:.1f} s")
    results = _bench_list(ledger, result=result, time_get=time_get, get=get)
    if list_only:
        return results
    say("timing the ledger's .xlsx export (manage.py export_ledger)")
    results.append(_bench_xlsx(ledger, result=result))
    say("timing the ledger's CSV export and COPY")
    results.extend(_bench_csv(ledger, result=result))
    return results


# --- Generating the ledger -----------------------------------------------------------------------


def _generate(county, *, lines: int) -> Ledger:
    from django.db import connection
    from django.utils import timezone

    from helpcenter import services
    from helpcenter.models import Role
    from households.models import Household
    from relief.models import Budget, Fund, Programme

    year = timezone.localdate().year - 1  # a whole past year: what a county exports
    finance = services.staff_create(
        username="bench_finance",
        name="基准财务",
        union=county.unions[0].parent,
        roles=[Role.FINANCE],
        password=os.urandom(16).hex(),
    )
    programmes = list(Programme.objects.order_by("pk").values_list("pk", flat=True))
    funds = list(Fund.objects.order_by("pk").values_list("pk", flat=True))
    if not programmes or not funds:
        raise RuntimeError("relief's migration 0003 seeds programmes and funds: none found")
    budgets = {}
    for programme in programmes:
        for fund in funds[:2]:
            budget, _ = Budget.objects.get_or_create(
                programme_id=programme,
                fund_id=fund,
                year=year,
                defaults={"allocated": 10**9},
            )
            budgets[programme, fund] = budget.pk
    households = list(Household.objects.order_by("pk").values_list("pk", "union_id"))
    rows = _rows(year=year, count=lines, households=households, budgets=budgets, payer=finance.pk)
    if connection.vendor == "postgresql":
        _copy(rows)
    else:
        _bulk_create(rows)
    reversals = _reverse_some(year)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            if connection.in_atomic_block:  # tests/test_bench.py: VACUUM needs its own
                cursor.execute("ANALYZE relief_disbursement, relief_ledgermonth")
            else:
                cursor.execute("VACUUM ANALYZE relief_disbursement")
                # The month sums (relief migration 0005) took one upsert per line in twenty
                # COPY batches: a million dead row versions over 90 MB for 6,000 live rows.
                # A live ledger grows a line per transaction and autovacuum keeps the table
                # small; this server's autovacuum may be off, and plain VACUUM does not give
                # back the pages. Without it the page's month sums read 90 MB (30-50 ms).
                cursor.execute("VACUUM FULL ANALYZE relief_ledgermonth")
    return Ledger(year=year, lines=lines + reversals, finance=finance, caseworker=county.caseworker)


COLUMNS = (
    "voucher_number",
    "kind",
    "paid_on",
    "recorded_at",
    "payer_id",
    "household_id",
    "union_id",
    "programme_id",
    "fund_id",
    "budget_id",
    "method",
    "amount",
    "account_holder",
    "card_masked",
    "signed_by",
    "goods",
    "note",
)


def _rows(*, year: int, count: int, households: list, budgets: dict, payer: int):
    """The payments as tuples in COLUMNS order, in date order through the year."""
    chooser = random.Random(SEED)  # noqa: S311 (benchmark data)
    first = date(year, 1, 1)
    days = (date(year + 1, 1, 1) - first).days
    keys = list(budgets)
    amounts = ["300.00", "500.00", "800.00", "1000.00", "1200.00", "2000.00", "3000.00"]
    methods = ("bank", "bank", "bank", "cash", "goods")
    for number in range(count):
        household, union = households[chooser.randrange(len(households))]
        programme, fund = keys[chooser.randrange(len(keys))]
        method = methods[chooser.randrange(len(methods))]
        paid_on = first + timedelta(days=number * days // count)
        yield (
            f"{year}-{number + 1:07d}",
            "payment",
            paid_on,
            f"{paid_on.isoformat()} 10:00:00+08",
            payer,
            household,
            union,
            programme,
            fund,
            budgets[programme, fund],
            method,
            amounts[chooser.randrange(len(amounts))],
            "",
            "**** **** **** 1234" if method == "bank" else "",
            "户主" if method != "bank" else "",
            "[]",
            "",
        )


def _copy(rows) -> None:
    from psycopg import sql

    statement = sql.SQL("COPY relief_disbursement ({}) FROM STDIN").format(
        sql.SQL(", ").join(sql.Identifier(column) for column in COLUMNS)
    )
    batch = []
    for row in rows:
        batch.append("\t".join(str(value) for value in row))
        if len(batch) >= COPY_BATCH:
            _copy_batch(statement, batch)
            batch = []
    if batch:
        _copy_batch(statement, batch)


def _copy_batch(statement, batch: list[str]) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        copy.write(("\n".join(batch) + "\n").encode())


def _bulk_create(rows) -> None:
    from datetime import datetime

    from relief.models import Disbursement

    lines = []
    for row in rows:
        values = dict(zip(COLUMNS, row, strict=True))
        values["recorded_at"] = datetime.fromisoformat(values["recorded_at"])
        values["goods"] = []
        lines.append(Disbursement(**values))
    Disbursement.objects.bulk_create(lines, batch_size=1000)


def _reverse_some(year: int) -> int:
    """One payment in REVERSED_EVERY reversed by a new line the next day (same year)."""
    from django.db import connection

    from relief.models import Disbursement

    if connection.vendor == "postgresql":
        columns = ", ".join(column for column in COLUMNS if column != "voucher_number")
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO relief_disbursement (voucher_number, {columns}, reverses_id) "  # noqa: S608
                "SELECT 'R' || voucher_number, 'reversal', paid_on + 1, recorded_at, payer_id, "
                "household_id, union_id, programme_id, fund_id, budget_id, method, -amount, "
                "account_holder, card_masked, '', goods, '录入错误，冲销', id "
                "FROM relief_disbursement WHERE kind = 'payment' AND id %% %s = 0 "
                "AND paid_on < %s",
                [REVERSED_EVERY, date(year, 12, 31)],
            )
            return cursor.rowcount
    payments = Disbursement.objects.filter(kind="payment", paid_on__lt=date(year, 12, 31))
    reversals = []
    for line in payments.order_by("pk")[::REVERSED_EVERY]:
        line.reverses_id, line.pk, line.kind = line.pk, None, "reversal"
        line.voucher_number = "R" + line.voucher_number
        line.paid_on += timedelta(days=1)
        line.amount, line.note, line.signed_by = -line.amount, "录入错误，冲销", ""
        reversals.append(line)
    Disbursement.objects.bulk_create(reversals)
    return len(reversals)


# --- The list ------------------------------------------------------------------------------------


def _variants(ledger: Ledger) -> dict[str, dict]:
    from relief.models import Disbursement

    some = Disbursement.objects.order_by("pk").values("programme_id", "fund_id", "union_id")[0]
    month = f"{ledger.year}-06"
    return {
        "first page": {},
        "filtered (year, programme, method)": {
            "year": ledger.year,
            "programme": some["programme_id"],
            "method": "bank",
        },
        "a month of one union": {
            "paid_from": f"{month}-01",
            "paid_to": f"{month}-30",
            "union": some["union_id"],
        },
        "fund and reversals": {"fund": some["fund_id"], "kind": "reversal"},
        "page 50": {"page": 50},
    }


def _bench_list(ledger: Ledger, *, result, time_get, get) -> list:
    from urllib.parse import urlencode

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    url = reverse("relief:ledger")
    results = []
    for role, user in (
        ("county finance", ledger.finance),
        ("grassroots caseworker", ledger.caseworker),
    ):
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        for variant, params in _variants(ledger).items():
            path = f"{url}?{urlencode(params)}" if params else url
            times = time_get(client, path)
            with CaptureQueriesContext(connection) as queries:
                get(client, path)
            results.append(
                result(
                    f"ledger list: {variant} — {role}",
                    statistics.median(times),
                    LIST_TARGET,
                    {
                        "runs_seconds": [round(seconds, 4) for seconds in times],
                        "queries": len(queries),
                        "sql_seconds": round(sum(float(q["time"]) for q in queries), 4),
                    },
                )
            )
        counts = {}
        for per_page in (10, 100):
            with CaptureQueriesContext(connection) as queries:
                get(client, f"{url}?per_page={per_page}")
            counts[per_page] = len(queries)
        results.append(
            result(
                f"ledger list: queries at 10 / 100 rows a page — {role}",
                0.0,
                None,
                {"queries": counts},
                check=counts[10] == counts[100],
                shown=f"{counts[10]} / {counts[100]}",
                target_text="equal",
            )
        )
    return results


# --- The exports ---------------------------------------------------------------------------------


def _bench_xlsx(ledger: Ledger, *, result):
    """`manage.py export_ledger` of the year in a process of its own: its time (process start
    included), and its peak memory (the whole process). Inside a transaction (the suite) the
    export runs in this process and tracemalloc measures what it allocates."""
    from django.db import connection

    # 150 s for a million lines, in proportion; never under 15 s (the process's start).
    target = XLSX_TARGET * max(ledger.lines, 100_000) / 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "ledger.xlsx"
        # A process of its own sees only committed rows: not those of tests/test_bench.py,
        # which runs inside the test's transaction.
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            seconds, megabytes = _in_subprocess(ledger.year, out)
            how = "VmHWM of the export_ledger process (Python, Django and the export)"
        else:
            seconds, megabytes = _in_process(ledger.year, out)
            how = "tracemalloc peak (in this process)"
        size = round(out.stat().st_size / 1_000_000, 1)
    return result(
        f"ledger export: {ledger.lines} lines to .xlsx (peak {megabytes:.0f} MB, "
        f"target < {XLSX_MEMORY_TARGET} MB)",
        seconds,
        target,
        {
            "lines": ledger.lines,
            "peak_megabytes": round(megabytes, 1),
            "memory": how,
            "file_megabytes": size,
        },
        check=None if megabytes < XLSX_MEMORY_TARGET else False,
    )


# Runs `export_ledger` and prints the process's own peak memory (VmHWM: ru_maxrss would count
# the bench's memory too, which a child inherits across fork and exec).
EXPORT_AND_MEASURE = """
import sys
import django
django.setup()
from django.core.management import call_command
call_command("export_ledger", year=sys.argv[1], out=sys.argv[2])
status = open("/proc/self/status").read()
print("VmHWM", [line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")][0])
"""


def _in_subprocess(year: int, out: Path) -> tuple[float, float]:
    start = time.perf_counter()
    completed = subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, "-c", EXPORT_AND_MEASURE, str(year), str(out)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )
    seconds = time.perf_counter() - start
    if completed.returncode != 0:
        raise RuntimeError(f"export_ledger failed: {completed.stderr.strip()[-2000:]}")
    kilobytes = int(completed.stdout.rsplit("VmHWM", 1)[1].split()[0])
    return seconds, kilobytes / 1024


def _in_process(year: int, out: Path) -> tuple[float, float]:
    import tracemalloc

    from relief.exporting import export_ledger
    from relief.models import Disbursement

    tracemalloc.start()
    start = time.perf_counter()
    with out.open("wb") as stream:
        export_ledger(Disbursement.objects.filter(paid_on__year=year), stream, format="xlsx")
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak / 1_000_000


class _Counter(io.RawIOBase):
    """A file that only counts what is written to it."""

    def __init__(self):
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.size += len(data)
        return len(data)


def _bench_csv(ledger: Ledger, *, result) -> list:
    """The CSV export of the year (relief.exporting, into a counting sink) beside PostgreSQL's
    COPY (SELECT …) TO STDOUT of the rows the export reads (ledger_query: the same joins, order
    and rows). The export's own SQL wraps that query to join each line's text in the database
    (relief.exporting.csv_lines_sql): that work counts against the export, not the COPY."""
    from django.db import connection

    from relief.exporting import export_ledger, ledger_query
    from relief.models import Disbursement

    lines = Disbursement.objects.filter(paid_on__year=ledger.year)
    sink = _Counter()
    start = time.perf_counter()
    totals = export_ledger(lines, sink, format="csv")
    seconds = time.perf_counter() - start
    if totals.lines != ledger.lines:
        raise RuntimeError(f"the CSV export wrote {totals.lines} lines, not {ledger.lines}")
    details = {"lines": totals.lines, "megabytes": round(sink.size / 1_000_000, 1)}
    if connection.vendor != "postgresql":
        return [result(f"ledger export: {totals.lines} lines to CSV", seconds, None, details)]
    sql, params = ledger_query(lines).query.sql_with_params()
    statement = connection.ops.compose_sql(sql, params)
    copied = _Counter()
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        start = time.perf_counter()
        with cursor.copy(f"COPY ({statement}) TO STDOUT (FORMAT csv)") as copy:
            for data in copy:
                copied.write(data)
        copy_seconds = time.perf_counter() - start
    return [
        result(
            f"ledger export: {totals.lines} lines to CSV (≤ {CSV_FACTOR:.0f}× COPY)",
            seconds,
            CSV_FACTOR * copy_seconds,
            {**details, "copy_seconds": round(copy_seconds, 3)},
        ),
        result(
            f"COPY (SELECT …) TO STDOUT: the same {totals.lines} rows",
            copy_seconds,
            None,
            {"megabytes": round(copied.size / 1_000_000, 1)},
        ),
    ]
