"""Browser journey of issue 11: the county supervisor asks for this year's statistics as a PDF
on the reports page, watches the job's progress bar move (the page polls while the job runs),
and downloads the file when it is ready; a grassroots caseworker prints a household's file card
from its page. Screenshots: test-artifacts/journey/reports-*.png.

The job is built in this process (reports.services.job_run, the task's body) while the page
watches: what a worker would do, step by step, so the page is seen in each state."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from reports import services
from reports.models import JobState, ReportJob
from tests.browser import (  # noqa: F401  (fixtures)
    allow_orm_beside_playwright,
    browser_type_launch_args,
    log_in,
    no_axe_violations,
    no_csp_violations,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_out(page: Page) -> None:
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()


def test_a_report_is_asked_for_watched_and_downloaded(
    page: Page, live_server, registry, monkeypatch, tmp_path
):
    base = live_server.url
    queued: list[int] = []
    # The worker is this test: the job waits in the queue until the test builds it.
    monkeypatch.setattr(services, "_enqueue_on_commit", queued.append)
    year = timezone.localdate().year

    log_in(page, base, "supervisor")
    page.get_by_role("link", name="报表").first.click()
    expect(page.get_by_role("heading", name="报表", exact=True)).to_be_visible()
    page.locator("#id_kind").select_option("statistics")
    page.locator("#id_format").select_option("pdf")
    page.locator("#id_period").fill(str(year))
    shot(page, "reports-1-ask")
    page.get_by_role("button", name="生成报表").click()
    job = ReportJob.objects.get()
    assert queued == [job.pk] and job.period == str(year)
    row = page.locator(f"#job-{job.pk}")
    expect(row).to_have_attribute("data-state", "queued")

    # A worker takes it and is 40 % through: the page shows it without a reload.
    ReportJob.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING,
        attempts=1,
        progress=40,
        stage="统计帮扶资金",
        heartbeat_at=timezone.now(),
        started_at=timezone.now(),
    )
    expect(row).to_have_attribute("data-state", "running", timeout=10_000)
    expect(row.locator("progress")).to_have_attribute("value", "40")
    expect(row).to_contain_text("统计帮扶资金")
    shot(page, "reports-2-running")

    # It finishes (the sweep would requeue the fake attempt; here the test builds it for real).
    ReportJob.objects.filter(pk=job.pk).update(state=JobState.QUEUED, attempts=0)
    assert services.job_run(job.pk, heartbeat=False).state == JobState.SUCCEEDED
    expect(row).to_have_attribute("data-state", "succeeded", timeout=10_000)
    shot(page, "reports-3-ready")
    with page.expect_download() as download_info:
        row.get_by_test_id("job-download").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    path = tmp_path / "report.pdf"
    download.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    assert job.downloads.filter(reader=registry.supervisor).exists()
    log_out(page)

    # A caseworker prints a household's file card from its page; it is theirs alone.
    log_in(page, base, "caseworker_a")
    page.goto(f"{base}/households/{registry.household_a.pk}/")
    page.get_by_test_id("print-file-card").get_by_role("button").click()
    card = ReportJob.objects.get(kind="file_cards")
    assert card.params == {"households": [registry.household_a.pk]}
    assert card.union_id == registry.union_a.pk and queued[-1] == card.pk
    services.job_run(card.pk, heartbeat=False)
    expect(page.locator(f"#job-{card.pk}")).to_have_attribute(
        "data-state", "succeeded", timeout=10_000
    )
    expect(page.locator(f"#job-{job.pk}")).to_have_count(0)  # the county's report is not theirs
    shot(page, "reports-4-file-card")
