"""A report job survives a dying worker (CI's second pass: PostgreSQL, Redis, a real worker).

The test starts its own Celery worker on the test database, on a queue of its own (the CI
worker, on CI's database, must not take these messages), gives it a report that takes a few
seconds, and kills it in the middle:

1. the pool process building the report is killed (SIGKILL): the worker puts the message back
   (acks_late, reject_on_worker_lost) and builds the report again at once — the job ends ready,
   with one whole file;
2. the whole worker is killed: the message waits in Redis until its visibility timeout, the job
   says "running" but shows no sign of life; the sweep requeues it and a new worker finishes it.
Never stuck, never a partial file marked ready."""

import datetime
import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from openpyxl import load_workbook

from reports import services
from reports.models import JobState, ReportJob

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
QUEUE = f"reports-test-{os.getpid()}"
HOUSEHOLDS = 8_000


def _bench():
    spec = importlib.util.spec_from_file_location(
        "bench_households", ROOT / "bin" / "bench_households.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _start_worker(log: Path, **settings_env: str) -> subprocess.Popen:
    database = connection.settings_dict
    env = {
        **os.environ,
        **settings_env,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}",
        "REPORT_STALE_SECONDS": "30",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    worker = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "helpcenter",
            "worker",
            "-Q",
            QUEUE,
            "--concurrency=1",
            "--prefetch-multiplier=1",
            f"--hostname=killtest-{time.monotonic_ns()}@%h",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if "ready" in log.read_text(errors="replace"):
            return worker
        time.sleep(0.5)
    os.killpg(worker.pid, signal.SIGKILL)
    raise AssertionError(f"the test worker did not start:\n{log.read_text()}")


def _send(job_id: int) -> None:
    from reports.tasks import build_report

    build_report.apply_async(args=[job_id], queue=QUEUE)


def _wait(job_id: int, until, *, seconds: float = 120) -> ReportJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = ReportJob.objects.get(pk=job_id)
        if until(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} never reached the state: {job.state} {job.progress}%")


def _building(job: ReportJob) -> bool:
    return job.state == JobState.RUNNING and job.progress > 0 and bool(job.worker)


@pytest.fixture
def big_export(settings):
    """A household export that takes seconds to build, asked for by the county's supervisor."""
    bench = _bench()
    county = bench._build_county()
    from helpcenter.demo import DemoPeople

    bench._generate(count=HOUSEHOLDS, unions=county.unions, people=DemoPeople(seed=1))
    return ReportJob.objects.create(
        kind="households",
        format="xlsx",
        params={"filters": {}},
        requested_by=county.supervisor,
        fingerprint="worker-test",
    )


def _check_whole_file(job: ReportJob) -> None:
    assert job.state == JobState.SUCCEEDED and job.progress == 100
    with job.file.open("rb") as stream:
        sheet = load_workbook(stream, read_only=True).active
        assert sum(1 for _row in sheet.iter_rows()) == HOUSEHOLDS + 1


def test_a_report_outlives_its_worker(big_export, tmp_path, monkeypatch):
    log = tmp_path / "worker.log"
    # 1. The pool process building the report is killed: the worker builds it again at once.
    worker = _start_worker(log)
    try:
        _send(big_export.pk)
        running = _wait(big_export.pk, _building)
        pid = int(running.worker.rpartition(":")[2])
        assert pid != worker.pid  # the pool process, under the worker
        os.kill(pid, signal.SIGKILL)
        done = _wait(big_export.pk, lambda job: job.is_finished)
        assert done.attempts == 2, log.read_text()
        _check_whole_file(done)

        # 2. The whole worker is killed while it builds the same report again.
        again = ReportJob.objects.create(
            kind=done.kind,
            format=done.format,
            params=done.params,
            requested_by=done.requested_by,
            fingerprint="worker-test-again",
        )
        _send(again.pk)
        _wait(again.pk, _building)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its pool, at once
        worker.wait()
    stuck = ReportJob.objects.get(pk=again.pk)
    assert stuck.state == JobState.RUNNING and not stuck.file
    # No sign of life comes any more; once it is older than the limit the sweep requeues it.
    time.sleep(1)
    assert ReportJob.objects.get(pk=again.pk).heartbeat_at == stuck.heartbeat_at
    assert services.jobs_sweep() == {"requeued": 0, "failed": 0}  # not silent long enough
    ReportJob.objects.filter(pk=stuck.pk).update(
        heartbeat_at=stuck.heartbeat_at - datetime.timedelta(seconds=settings.REPORT_STALE_SECONDS)
    )
    monkeypatch.setattr(services, "_enqueue_on_commit", _send)
    assert services.jobs_sweep() == {"requeued": 1, "failed": 0}
    assert ReportJob.objects.get(pk=again.pk).state == JobState.QUEUED
    second = _start_worker(log)
    try:
        done = _wait(again.pk, lambda job: job.is_finished)
        _check_whole_file(done)
        assert done.attempts == 2
    finally:
        os.killpg(second.pid, signal.SIGKILL)
        second.wait()


def test_file_cards_are_laid_out_in_processes_under_a_real_worker(registry, tmp_path):
    """In a Celery pool process (daemonic, with the job's heartbeat thread running) the file
    cards are laid out in processes of their own and joined in order; the build ends."""
    from reports.builders import file_cards
    from tests.factories import household_for

    households = [registry.household_a, registry.household_b]
    households.append(household_for(registry.union_a, actor=registry.caseworker_a, name="周八"))
    job = ReportJob.objects.create(
        kind="file_cards",
        format="pdf",
        params={"households": [household.pk for household in households]},
        requested_by=registry.supervisor,
        fingerprint="worker-test-cards",
    )
    log = tmp_path / "worker.log"
    worker = _start_worker(log, REPORT_PDF_CHUNK="1", REPORT_PDF_PROCESSES="2")
    try:
        _send(job.pk)
        done = _wait(job.pk, lambda job: job.is_finished, seconds=180)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    assert done.state == JobState.SUCCEEDED, log.read_text()
    assert "file cards: 3 cards in 2 process(es)" in log.read_text()
    path = tmp_path / "cards.pdf"
    with done.file.open("rb") as stream:
        path.write_bytes(stream.read())
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    numbers = [household.file_number for household in households]
    found = [number for number in numbers if number in text]
    assert found == numbers and file_cards.TITLE in "".join(text.split())
    positions = [text.index(number) for number in sorted(numbers)]
    assert positions == sorted(positions)  # in file-number order
