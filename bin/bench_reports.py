"""The reports' part of `make bench` (bin/bench_households.py runs it after the ledger, with
--report-households N; 0 leaves it out).

Issue 11's targets, on PostgreSQL at province scale (100,000 households, 1,000,000 ledger
lines: the data the registry's and the ledger's steps generated before): the county's yearly
statistics PDF (reports.builders.statistics) in under 15 s, with a peak memory under 600 MB
and a file under 2 MB; a file-card PDF (reports.builders.file_cards) of 500 households in
under 60 s. The statistics are of the ledger's year (last year, a whole year) for the whole
county; the .xlsx of the same figures is timed for scale. The file cards are of the first N
households by id, as the county (reader None: resident IDs masked).

Each report is built in a process of its own on PostgreSQL (outside a transaction), so its
peak memory is its own: VmHWM of that process (Python, Django, WeasyPrint and the report), and
its time is the build's (the process's start reported beside it). Inside a transaction (the
suite) it is built in this process and tracemalloc measures what it allocates.
"""

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STATISTICS_TARGET = 15.0  # seconds, the yearly statistics PDF of the county
STATISTICS_MEMORY_TARGET = 600  # MB, peak
STATISTICS_SIZE_TARGET = 2.0  # MB, the file
FILE_CARDS_TARGET = 60.0  # seconds for 500 households
FILE_CARDS_AT = 500


def run(*, year: int, file_cards: int, say, result) -> list:
    """Time the statistics (PDF and xlsx) of `year` and the file cards of `file_cards`
    households; returns bench_households.Result objects (made with `result`)."""
    from households.models import Household

    households = Household.objects.count()
    results = []
    say(f"timing the yearly statistics PDF of {year} ({households} households)")
    seconds, process, megabytes, size, how = _measure("statistics", "pdf", str(year), {})
    results.append(
        result(
            f"report: yearly statistics PDF, {households} households (peak {megabytes:.0f} MB, "
            f"{size:.2f} MB file; targets < {STATISTICS_MEMORY_TARGET} MB, "
            f"< {STATISTICS_SIZE_TARGET:.0f} MB)",
            seconds,
            STATISTICS_TARGET,
            {
                "households": households,
                "process_seconds": round(process, 2),
                "peak_megabytes": round(megabytes, 1),
                "memory": how,
                "file_megabytes": round(size, 3),
            },
            check=(
                None
                if megabytes < STATISTICS_MEMORY_TARGET and size < STATISTICS_SIZE_TARGET
                else False
            ),
        )
    )
    say("timing the yearly statistics .xlsx")
    seconds, process, megabytes, size, how = _measure("statistics", "xlsx", str(year), {})
    results.append(
        result(
            f"report: yearly statistics .xlsx (peak {megabytes:.0f} MB)",
            seconds,
            None,
            {"peak_megabytes": round(megabytes, 1), "memory": how, "file_megabytes": size},
        )
    )
    if file_cards:
        ids = list(Household.objects.order_by("pk").values_list("pk", flat=True)[:file_cards])
        say(f"timing the file cards of {len(ids)} households")
        seconds, process, megabytes, size, how = _measure(
            "file_cards", "pdf", "", {"households": ids}
        )
        # 60 s for 500 cards, in proportion below that.
        target = FILE_CARDS_TARGET * min(len(ids), FILE_CARDS_AT) / FILE_CARDS_AT
        results.append(
            result(
                f"report: file cards of {len(ids)} households (peak {megabytes:.0f} MB, "
                f"{size:.1f} MB file)",
                seconds,
                target,
                {
                    "households": len(ids),
                    "process_seconds": round(process, 2),
                    "peak_megabytes": round(megabytes, 1),
                    "memory": how,
                    "file_megabytes": round(size, 2),
                },
            )
        )
    return results


def _measure(kind: str, format: str, period: str, params: dict) -> tuple:
    """(build seconds, process seconds, peak MB, file MB, how the memory was measured)."""
    from django.db import connection

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"{kind}.{format}"
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            seconds, process, megabytes = _in_subprocess(kind, format, period, params, out)
            how = "VmHWM of a process building only this report"
        else:
            seconds, megabytes = _in_process(kind, format, period, params, out)
            process = seconds
            how = "tracemalloc peak (in this process)"
        size = out.stat().st_size / 1_000_000
    return seconds, process, megabytes, size, how


def _spec(kind: str, format: str, period: str, params: dict):
    from reports.catalogue import Period, ReportSpec

    return ReportSpec(kind, format, Period.parse(period) if period else None, params=params)


def _in_process(kind: str, format: str, period: str, params: dict, out: Path):
    import tracemalloc

    from reports.catalogue import kind_of

    spec = _spec(kind, format, period, params)
    tracemalloc.start()
    start = time.perf_counter()
    with out.open("wb") as stream:
        kind_of(kind).build(spec, stream)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak / 1_000_000


def _in_subprocess(kind: str, format: str, period: str, params: dict, out: Path):
    from django.conf import settings

    start = time.perf_counter()
    completed = subprocess.run(  # noqa: S603 (our own command)
        [
            sys.executable,
            "-c",
            BUILD_AND_MEASURE,
            kind,
            format,
            period,
            json.dumps(params),
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )
    process = time.perf_counter() - start
    if completed.returncode != 0:
        raise RuntimeError(f"building the {kind} report failed: {completed.stderr.strip()[-2000:]}")
    figures = dict(line.split(None, 1) for line in completed.stdout.splitlines() if " " in line)
    # The file cards are laid out in forked processes (REPORT_PDF_PROCESSES): their peak is
    # counted too, as the builder's plus that many times the largest one's (an upper bound:
    # what the fork shares is counted in each).
    children = int(figures.get("CHILDREN", "0")) / 1024
    processes = settings.REPORT_PDF_PROCESSES if children else 0
    peak = int(figures["VmHWM"].split()[0]) / 1024 + processes * children
    return float(figures["SECONDS"]), process, peak


# Builds one report and prints the build's time and the process's own peak memory (VmHWM:
# ru_maxrss would count the bench's memory too, which a child inherits across fork and exec).
BUILD_AND_MEASURE = """
import json, sys, time
import django
django.setup()
sys.path.insert(0, "bin")
from bench_reports import _spec
from reports.catalogue import kind_of
kind, format, period, params, out = sys.argv[1:6]
spec = _spec(kind, format, period, json.loads(params))
start = time.perf_counter()
with open(out, "wb") as stream:
    kind_of(kind).build(spec, stream)
print("SECONDS", time.perf_counter() - start)
status = open("/proc/self/status").read()
print("VmHWM", [line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")][0])
import resource
print("CHILDREN", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""
