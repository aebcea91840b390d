"""`make bench` (bin/bench_households.py) at its smallest size, on the suite's database: an
import error or a crash in the benchmark fails `make test`, not only CI's `make bench`.

The timings mean nothing here; the test checks that every step ran and what it reports."""

import importlib.util
import json
from pathlib import Path

import pytest

from households.models import Household

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parent.parent / "bin" / "bench_households.py"


@pytest.fixture
def bench(monkeypatch, tmp_path):
    spec = importlib.util.spec_from_file_location("bench_households", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "RUNS", 1)
    monkeypatch.setattr(module, "RESULTS_FILE", tmp_path / "households.json")
    # The reports' step (bin/bench_reports.py) is tested in tests/test_report_statistics.py.
    monkeypatch.setattr(module, "REPORT_HOUSEHOLDS", 0)
    return module


def test_the_benchmark_runs_every_step_and_reports_them(bench, capsys):
    args = bench._arguments(
        ["--households", "120", "--import-rows", "3", "--ledger-lines", "0", "--no-targets"]
    )
    results, facts = bench._run(args)
    bench._report(results, facts)

    listed = [result for result in results if result.what.startswith("list:")]
    assert len(listed) == 10  # five variants, as a supervisor and as a caseworker
    searches = [result for result in listed if "last 4 ID digits" in result.what]
    assert [result.details["matches"] >= 1 for result in searches] == [True, True]
    assert any(result.what.startswith("export: all 120 households") for result in results)
    assert any(result.what.startswith("import: 3 households") for result in results)
    assert Household.objects.count() == 123
    written = json.loads(bench.RESULTS_FILE.read_text(encoding="utf-8"))
    assert written["households"] == 120
    assert len(written["results"]) == len(results)
    assert "EXPLAIN" in capsys.readouterr().out


def test_the_list_only_run_leaves_out_export_and_import(bench):
    args = bench._arguments(["--households", "100", "--ledger-lines", "0", "--list-only"])
    results, facts = bench._run(args)
    assert [result.what.split(":")[0] for result in results] == ["list"] * 10
    assert facts["households"] == 100


def test_the_flags_of_a_ci_run_and_a_long_run(bench):
    args = bench._arguments(
        ["--households", "3000", "--import-rows", "500", "--ledger-lines", "20000", "--no-targets"]
    )
    assert (args.no_targets, args.time_limit, args.list_only) == (True, bench.TIME_LIMIT, False)
    assert args.ledger_lines == 20000
    assert bench._arguments([]).ledger_lines == 1_000_000
    with pytest.raises(SystemExit):
        bench._arguments(["--ledger-lines", "-1"])
    assert bench._arguments(["--time-limit", "90"]).time_limit == 90
    with pytest.raises(SystemExit):
        bench._arguments(["--time-limit", "0"])


def test_the_ledger_steps_run_and_report_beside_their_targets(bench, capsys):
    """Issue 9: ledger lines generated, the ledger list (queries equal at 10 and 100 rows a
    page), the .xlsx export's time and memory, the CSV export (beside COPY on PostgreSQL)."""
    from relief.models import Disbursement, LineKind

    args = bench._arguments(
        ["--households", "100", "--import-rows", "1", "--ledger-lines", "150", "--no-targets"]
    )
    results, facts = bench._run(args)
    bench._report(results, facts)

    payments = Disbursement.objects.filter(kind=LineKind.PAYMENT).count()
    reversals = Disbursement.objects.filter(kind=LineKind.REVERSAL).count()
    assert payments == 150 and reversals >= 2
    ledger = [result for result in results if result.what.startswith("ledger")]
    listed = [result for result in ledger if result.what.startswith("ledger list:")]
    assert len(listed) == 12  # five variants and the query counts, for finance and a caseworker
    counts = [result for result in listed if "queries at 10 / 100" in result.what]
    assert [result.passed for result in counts] == [True, True]
    xlsx = next(result for result in ledger if ".xlsx" in result.what)
    assert xlsx.details["lines"] == payments + reversals
    assert xlsx.target == 15  # 150 s for 1,000,000 lines, in proportion, at least 15 s
    assert any(f"{payments + reversals} lines to CSV" in result.what for result in ledger)
    out = capsys.readouterr().out
    assert "ledger export" in out and "equal" in out
