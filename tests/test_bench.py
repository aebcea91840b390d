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
    return module


def test_the_benchmark_runs_every_step_and_reports_them(bench, capsys):
    args = bench._arguments(["--households", "120", "--import-rows", "3", "--no-targets"])
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
    args = bench._arguments(["--households", "100", "--list-only"])
    results, facts = bench._run(args)
    assert [result.what.split(":")[0] for result in results] == ["list"] * 10
    assert facts["households"] == 100


def test_the_flags_of_a_ci_run_and_a_long_run(bench):
    args = bench._arguments(["--households", "3000", "--import-rows", "500", "--no-targets"])
    assert (args.no_targets, args.time_limit, args.list_only) == (True, bench.TIME_LIMIT, False)
    assert bench._arguments(["--time-limit", "90"]).time_limit == 90
    with pytest.raises(SystemExit):
        bench._arguments(["--time-limit", "0"])
