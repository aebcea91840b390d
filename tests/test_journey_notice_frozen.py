"""Browser journey: a county supervisor prepares a notice with "select all" and the suggested
title, discards it (its applications go back to the pool), prepares it again, edits the draft,
and the notice is posted. During the period one application is returned: the notice page and
the print page still show it as posted, with where it stands now beside it for the supervisor.
Screenshots: test-artifacts/journey/frozen-*.png.

(Posting itself is done through the service here: the posting page has its own journey in
tests/test_journey_notice.py.)"""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases import services
from cases.models import Application, Notice, NoticeRow, NoticeState, State
from tests.browser import (  # noqa: F401  (fixtures)
    allow_orm_beside_playwright,
    browser_type_launch_args,
    log_in,
    no_axe_violations,
    no_csp_violations,
    shot,
)
from tests.factories import relief_application_for
from tests.test_cases_services import file_registration, through_review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def reviewed_relief(people, household, filer, amount: str) -> Application:
    application = relief_application_for(household=household, filer=filer, amount=amount)
    services.application_submit(actor=filer, application=application)
    return services.application_review(actor=people.supervisor, application=application)


def test_a_notice_is_prepared_edited_posted_and_keeps_a_returned_application(
    page: Page, live_server, registry
):
    base = live_server.url
    registration = through_review(registry, file_registration(registry))
    relief_a = reviewed_relief(registry, registry.household_a, registry.caseworker_a, "800.00")
    relief_b = reviewed_relief(registry, registry.household_b, registry.caseworker_b, "1000.00")
    today = timezone.localdate()
    month = f"{today.year}年{today.month}月"

    # The form suggests a title from the month and the kinds; "select all" chooses every row.
    log_in(page, base, "supervisor")
    page.goto(f"{base}/cases/notices/new/")
    title = page.locator("#id_title")
    expect(title).to_have_value(f"关于{month}困难职工建档及帮扶申请的公示")
    page.locator("[data-select-all]").check()
    boxes = page.locator("input[name=applications]")
    expect(boxes).to_have_count(3)
    for index in range(3):
        expect(boxes.nth(index)).to_be_checked()
    page.locator(f"input[name=applications][value='{registration.pk}']").uncheck()
    expect(title).to_have_value(f"关于{month}困难职工帮扶申请的公示")
    expect(page.locator("[data-select-all]")).not_to_be_checked()
    page.locator("[data-select-all]").check()
    expect(title).to_have_value(f"关于{month}困难职工建档及帮扶申请的公示")
    page.locator("#id_place").fill("县总工会一楼公示栏")
    page.locator("#id_contact").fill("县总工会帮扶中心 0311-1234567")
    shot(page, "frozen-1-select-all")
    page.get_by_test_id("notice-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("notice-state")).to_have_text(str(NoticeState.DRAFT.label))
    first = Notice.objects.get()
    assert first.title == f"关于{month}困难职工建档及帮扶申请的公示"

    # Discarded: the draft is gone, the applications are reviewed and free again.
    page.get_by_test_id("edit-notice").click()
    shot(page, "frozen-2-edit-or-discard")
    page.get_by_test_id("discard").click()
    expect(page).to_have_url(f"{base}/cases/notices/")
    assert not Notice.objects.exists()
    assert set(Application.objects.values_list("state", "notice")) == {(State.REVIEWED, None)}

    # Prepared again, then edited: the registration comes off, the place changes.
    page.goto(f"{base}/cases/notices/new/")
    page.locator("[data-select-all]").check()
    page.locator("#id_place").fill("县总工会一楼公示栏")
    page.locator("#id_contact").fill("县总工会帮扶中心 0311-1234567")
    page.get_by_test_id("notice-form").locator("button[type=submit]").click()
    page.get_by_test_id("edit-notice").click()
    page.locator(f"input[name=applications][value='{registration.pk}']").uncheck()
    page.locator("#id_title").fill("关于困难职工医疗救助的公示")
    page.locator("#id_place").fill("县总工会一楼公示栏、甲厂厂务公开栏")
    page.get_by_test_id("notice-form").locator("button[type=submit]").click()
    rows = page.get_by_test_id("notice-rows")
    expect(rows.get_by_test_id("notice-row")).to_have_count(2)
    notice = Notice.objects.get()
    assert (notice.title, notice.state) == ("关于困难职工医疗救助的公示", NoticeState.DRAFT)
    assert Application.objects.get(pk=registration.pk).notice is None

    # Posted (the posting page has its own journey); the rows are kept as posted.
    services.notice_publish(actor=registry.supervisor, notice=notice)
    assert NoticeRow.objects.filter(notice=notice).count() == 2

    # During the period 张三's application is returned.
    page.goto(f"{base}/cases/applications/{relief_a.pk}/return/")
    page.locator("#id_reason").fill("收入证明不全，请补充")
    page.locator("form.hc-form button[type=submit]").click()
    relief_a.refresh_from_db()
    assert (relief_a.state, relief_a.notice) == (State.RETURNED, None)

    # The notice still shows it as posted, and where it stands now.
    page.goto(f"{base}/cases/notices/{notice.pk}/")
    rows = page.get_by_test_id("notice-rows")
    expect(rows.get_by_test_id("notice-row")).to_have_count(2)
    expect(rows).to_contain_text("张三")
    expect(rows).to_contain_text("800.00")
    expect(rows).to_contain_text("李四")
    expect(rows.get_by_test_id("row-now").first).to_contain_text(str(State.RETURNED.label))
    expect(page.get_by_test_id("frozen-note")).to_be_visible()
    shot(page, "frozen-3-returned-still-listed")

    page.goto(f"{base}/cases/notices/{notice.pk}/print/")
    expect(page.locator("table")).to_contain_text("张三")
    expect(page.locator("table")).to_contain_text("1,000.00")
    shot(page, "frozen-4-print")
    assert relief_b.pk in NoticeRow.objects.values_list("application", flat=True)
