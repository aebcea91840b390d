"""Report jobs (reports.services, reports.views): asking, building once, scope, downloads, the
sweep for dead workers, and the schedule. The builders of the catalogue have their own tests;
here the household list and the reviews-due list stand in for any report."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from reports import services
from reports.catalogue import KINDS, Period, ReportSpec
from reports.models import JobState, ReportDownload, ReportJob
from reports.schedules import last_month_code, monthly_statistics_request, reviews_due_request


def _ask(user, **kwargs):
    defaults = {"kind": "reviews_due", "format": "xlsx"}
    defaults.update(kwargs)
    return services.job_request(user=user, **defaults)


def _run_on_commit(django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return _ask(**kwargs)


@pytest.mark.django_db
def test_a_report_asked_for_is_built_after_commit_and_downloadable(
    registry, client, django_capture_on_commit_callbacks
):
    user = registry.supervisor
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job, created = _ask(user)
    assert created and job.state == JobState.QUEUED
    assert len(callbacks) == 1  # enqueued only once the transaction commits
    callbacks[0]()
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED and job.progress == 100 and job.file
    assert job.file_name.endswith(".xlsx") and job.size == job.file.size
    client.force_login(user)
    response = client.get(reverse("reports:download", args=[job.pk]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.active["A1"].value == "档案编号"
    assert ReportDownload.objects.filter(job=job, reader=user).count() == 1


@pytest.mark.django_db
def test_the_same_report_on_unchanged_data_is_not_built_twice(
    registry, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first, created = _ask(registry.supervisor)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second, created_again = _ask(registry.supervisor)
    assert created and not created_again and second.pk == first.pk and not callbacks
    # Another person of the same scope gets the same (not personal) file.
    third, created = _ask(registry.finance)
    assert third.pk == first.pk and not created
    # The data changes: a new file.
    from households.models import HouseholdEvent

    HouseholdEvent.objects.create(household=registry.household_a, action="update")
    fourth, created = _ask(registry.supervisor)
    assert created and fourth.pk != first.pk
    # Asked again on purpose while the equal one is still being built: that one.
    assert services.job_again(user=registry.supervisor, job=first).pk == fourth.pk
    # Once it is built, asked again on purpose: built anew.
    services.job_run(fourth.pk)
    again = services.job_again(user=registry.supervisor, job=first)
    assert again.pk not in (first.pk, fourth.pk)


@pytest.mark.django_db
def test_a_personal_report_is_its_requesters_alone(
    registry, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = _ask(registry.supervisor, kind="households", params={"filters": {}})
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED
    # The same search by someone else is their own job, not this file.
    other, created = _ask(registry.finance, kind="households", params={"filters": {}})
    assert created and other.pk != job.pk
    client.force_login(registry.auditor)
    assert client.get(reverse("reports:download", args=[job.pk])).status_code == 404
    assert not ReportJob.objects.visible_to(registry.auditor).filter(pk=job.pk).exists()


@pytest.mark.django_db
def test_grassroots_staff_get_their_unions_report_only(
    registry, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        county_job, _ = _ask(registry.supervisor)
        own, _ = _ask(registry.supervisor_a, union=registry.union_b)  # asks for B, gets A
    assert own.union_id == registry.union_a.pk
    client.force_login(registry.supervisor_a)
    assert client.get(reverse("reports:download", args=[county_job.pk])).status_code == 404
    assert client.get(reverse("reports:download", args=[own.pk])).status_code == 200
    page = client.get(reverse("reports:index")).content.decode()
    assert f'id="job-{own.pk}"' in page and f'id="job-{county_job.pk}"' not in page
    # The union's list holds its own households only.
    own.refresh_from_db()
    # (no file is due for review in the fixture; the file still opens and counts 0)
    book = load_workbook(own.file.open("rb"))
    assert book.active.max_row >= 2


@pytest.mark.django_db
def test_refusals_change_nothing(registry):
    before = ReportJob.objects.count()
    with pytest.raises(services.JobRefused, match="2026-Q3"):
        _ask(registry.supervisor, kind="statistics", format="pdf", period="2026-13")
    with pytest.raises(services.JobRefused):
        _ask(registry.supervisor, kind="statistics", format="csv", period="2026")
    with pytest.raises(services.JobRefused):
        _ask(registry.caseworker_a, kind="statistics", format="pdf", period="2026")
    with pytest.raises(services.JobRefused):
        _ask(registry.supervisor, kind="no-such-report")
    assert ReportJob.objects.count() == before


def test_periods():
    assert Period.parse("2026").start == datetime.date(2026, 1, 1)
    quarter = Period.parse("2026-q3")
    assert (quarter.code, quarter.start, quarter.end) == (
        "2026-Q3",
        datetime.date(2026, 7, 1),
        datetime.date(2026, 9, 30),
    )
    assert quarter.label == "2026年第三季度" and quarter.report_word == "季报"
    month = Period.parse("2024-02")
    assert month.end == datetime.date(2024, 2, 29) and month.label == "2024年2月"
    for bad in ("", "26", "2026-Q5", "2026-00", "2026/07", "1999"):
        with pytest.raises(ValueError):
            Period.parse(bad)


@pytest.mark.django_db
def test_running_a_job_twice_builds_one_file(registry, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job, _ = _ask(registry.supervisor)
    assert services.job_run(job.pk).state == JobState.SUCCEEDED
    name = ReportJob.objects.get(pk=job.pk).file.name
    assert services.job_run(job.pk) is None  # ready: nothing to do
    job.refresh_from_db()
    assert job.file.name == name and job.attempts == 1


@pytest.mark.django_db
def test_a_job_another_worker_is_building_is_left_to_it(
    registry, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        job, _ = _ask(registry.supervisor)
    ReportJob.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, attempts=1, heartbeat_at=timezone.now()
    )
    assert services.job_run(job.pk) is None
    job.refresh_from_db()
    assert job.state == JobState.RUNNING and not job.file


@pytest.mark.django_db
def test_a_failing_builder_fails_the_job_with_a_message_and_no_file(
    registry, monkeypatch, django_capture_on_commit_callbacks
):
    import dataclasses

    monkeypatch.setitem(
        KINDS,
        "reviews_due",
        dataclasses.replace(KINDS["reviews_due"], builder="tests.test_reports_jobs:_broken"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = _ask(registry.supervisor)
    job.refresh_from_db()
    assert job.state == JobState.FAILED and not job.file
    assert "系统" in job.error or "error" in job.error


def _broken(spec, out, progress):
    out.write(b"half a file")
    raise RuntimeError("boom")


@pytest.mark.django_db
def test_the_sweep_requeues_a_job_whose_worker_died_then_fails_it(
    registry, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        job, _ = _ask(registry.supervisor)
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.REPORT_STALE_SECONDS + 5)
    ReportJob.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, attempts=1, heartbeat_at=long_ago, progress=40
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = services.jobs_sweep()
    assert result == {"requeued": 1, "failed": 0}
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED and job.attempts == 2 and job.file  # built again
    # A job that keeps losing its worker ends failed with a message, never running forever.
    ReportJob.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING,
        attempts=settings.REPORT_MAX_ATTEMPTS,
        heartbeat_at=long_ago,
        file="",
    )
    assert services.jobs_sweep() == {"requeued": 0, "failed": 1}
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.error
    # A job with a recent sign of life is left alone.
    fresh, _ = _ask(registry.supervisor, again=True)
    ReportJob.objects.filter(pk=fresh.pk).update(
        state=JobState.RUNNING, attempts=1, heartbeat_at=timezone.now()
    )
    assert services.jobs_sweep() == {"requeued": 0, "failed": 0}


@pytest.mark.django_db
def test_progress_is_written_at_most_once_a_second(
    registry, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    with django_capture_on_commit_callbacks(execute=False):
        job, _ = _ask(registry.supervisor)
    ReportJob.objects.filter(pk=job.pk).update(state=JobState.RUNNING, attempts=1)
    progress = services._Progress(job.pk, 1)
    with django_assert_max_num_queries(1):
        for done in range(1, 10_001):
            progress(done, 10_000, "行")
    job.refresh_from_db()
    assert job.progress == 0 and job.stage == "行"  # the first call wrote, the rest waited


@pytest.mark.django_db
def test_the_page_polls_unfinished_jobs_only(registry, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        waiting, _ = _ask(registry.supervisor)
    client.force_login(registry.supervisor)
    row = client.get(reverse("reports:job_row", args=[waiting.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in row
    services.job_run(waiting.pk)
    row = client.get(reverse("reports:job_row", args=[waiting.pk])).content.decode()
    assert "hx-trigger" not in row and reverse("reports:download", args=[waiting.pk]) in row


@pytest.mark.django_db
def test_the_page_asks_for_a_report(registry, client, django_capture_on_commit_callbacks):
    client.force_login(registry.supervisor)
    page = client.get(reverse("reports:index"))
    assert page.status_code == 200
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("reports:request"),
            {"kind": "reviews_due", "format": "xlsx", "period": ""},
        )
    assert response.status_code == 302
    job = ReportJob.objects.get()
    assert job.requested_by == registry.supervisor and job.union is None
    bad = client.post(
        reverse("reports:request"),
        {"kind": "ledger", "format": "pdf", "period": "2026-99"},
    )
    assert bad.status_code == 400 and ReportJob.objects.count() == 1


@pytest.mark.django_db
def test_the_schedule_asks_for_last_months_statistics_and_the_reviews_due(registry):
    assert last_month_code(datetime.date(2027, 1, 1)) == "2026-12"
    assert last_month_code(datetime.date(2026, 7, 1)) == "2026-06"
    ids = monthly_statistics_request(datetime.date(2026, 12, 1))
    jobs = ReportJob.objects.filter(pk__in=ids)
    assert {(j.kind, j.format, j.period) for j in jobs} == {
        ("statistics", "pdf", "2026-11"),
        ("statistics", "xlsx", "2026-11"),
    }
    assert all(j.requested_by is None and j.union is None for j in jobs)
    # Run twice (beat fires again): the same jobs.
    assert monthly_statistics_request(datetime.date(2026, 12, 1)) == ids
    due = reviews_due_request()
    assert ReportJob.objects.filter(pk__in=due, kind="reviews_due", union=None).count() == 1


@pytest.mark.django_db
def test_build_report_command_writes_the_file(registry, tmp_path):
    out = tmp_path / "due.xlsx"
    call_command("build_report", "reviews_due", "--format", "xlsx", "--out", str(out))
    assert load_workbook(out).active["A1"].value == "档案编号"
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.django_db
def test_the_household_report_applies_the_readers_scope(registry):
    spec = ReportSpec(
        kind="households", format="xlsx", reader=registry.caseworker_a, params={"filters": {}}
    )
    out = io.BytesIO()
    KINDS["households"].build(spec, out)
    out.seek(0)
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    names = {row[1] for row in rows[1:]}
    assert "张三" in names and "李四" not in names


def test_the_schedule_names_tasks_that_exist(settings):
    """Beat sends these (synced into django_celery_beat's table, where an administrator edits
    the times): the monthly statistics on the 1st, the reviews due on Mondays, the sweep."""
    from helpcenter.celery import app

    app.loader.import_default_modules()
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    for task in ("reports.monthly_statistics", "reports.reviews_due", "reports.sweep"):
        assert task in schedule and task in app.tasks
    assert schedule["reports.monthly_statistics"].day_of_month == {1}
    assert schedule["reports.reviews_due"].day_of_week == {1}
    build = app.tasks["reports.build"]
    assert build.acks_late and build.reject_on_worker_lost
    assert build.soft_time_limit == settings.REPORT_SOFT_TIME_LIMIT < build.time_limit


@pytest.mark.django_db
def test_a_report_about_one_object_belongs_to_the_askers_scope_not_a_named_union(registry):
    """A county user cannot file a notice (possibly another union's) under union A's reports."""
    job, _created = _ask(
        registry.supervisor,
        kind="notice",
        format="pdf",
        union=registry.union_a,
        params={"notice": 1},
    )
    assert job.union is None
    own, _created = _ask(
        registry.caseworker_a, kind="file_cards", format="pdf", params={"households": [1]}
    )
    assert own.union_id == registry.union_a.pk


@pytest.mark.django_db
def test_a_personal_file_is_not_handed_out_after_the_requesters_roles_change(
    registry, client, django_capture_on_commit_callbacks
):
    from helpcenter.models import Role, StaffRole

    with django_capture_on_commit_callbacks(execute=True):
        job, _created = _ask(
            registry.supervisor,
            kind="file_cards",
            format="pdf",
            params={"households": [registry.household_a.pk]},
        )
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED and job.access
    client.force_login(registry.supervisor)
    assert client.get(reverse("reports:download", args=[job.pk])).status_code == 200
    StaffRole.objects.create(user=registry.supervisor, role=Role.CASEWORKER)
    del registry.supervisor.roles  # a cached property
    response = client.get(reverse("reports:download", args=[job.pk]))
    assert response.status_code == 302 and ReportDownload.objects.filter(job=job).count() == 1
    # Asked again with the new roles: a new job, not the old file.
    again, created = _ask(
        registry.supervisor,
        kind="file_cards",
        format="pdf",
        params={"households": [registry.household_a.pk]},
    )
    assert created and again.pk != job.pk


@pytest.mark.django_db
def test_reports_read_from_rows_that_change_are_built_anew(
    registry, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first, _created = _ask(
            registry.finance, kind="loan_portfolio", format="xlsx", period="2026"
        )
    first.refresh_from_db()
    assert first.state == JobState.SUCCEEDED
    second, created = _ask(registry.finance, kind="loan_portfolio", format="xlsx", period="2026")
    assert created and second.pk != first.pk


@pytest.mark.django_db
def test_two_equal_asks_at_once_make_one_job(registry, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first, _created = _ask(registry.supervisor)
        # As if a second request had passed the look-up before the first one's insert:
        second, created = _ask(registry.supervisor, again=True)
    assert not created and second.pk == first.pk
    assert ReportJob.objects.count() == 1


@pytest.mark.django_db
def test_files_are_deleted_when_their_keeping_time_ends(
    registry, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        county, _created = _ask(registry.supervisor)
        cards, _created = _ask(
            registry.supervisor,
            kind="file_cards",
            format="pdf",
            params={"households": [registry.household_a.pk]},
        )
    county.refresh_from_db()
    cards.refresh_from_db()
    stored = cards.file.name
    assert cards.file.storage.exists(stored)
    eight_days = timezone.now() + datetime.timedelta(days=settings.REPORT_PERSONAL_KEEP_DAYS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.files_expire(now=eight_days) == 1  # the personal file only
    cards.refresh_from_db()
    county.refresh_from_db()
    assert cards.state == JobState.EXPIRED and not cards.file and cards.error
    assert not county.file.storage.exists(stored)
    assert county.state == JobState.SUCCEEDED
    later = timezone.now() + datetime.timedelta(days=settings.REPORT_KEEP_DAYS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.files_expire(now=later) == 1
    county.refresh_from_db()
    assert county.state == JobState.EXPIRED


@pytest.mark.django_db
def test_a_refused_ask_goes_back_only_to_this_site(registry, client):
    client.force_login(registry.caseworker_a)
    response = client.post(
        reverse("reports:request"),
        {"kind": "file_cards", "format": "xlsx", "back": "https://evil.example/"},
    )
    assert response.status_code == 302 and response.url == reverse("reports:index")
