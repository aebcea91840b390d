"""Browser check: under the Content-Security-Policy (our own origin only) nothing on the pages at
risk is blocked — Bootstrap's tabs and menus, htmx's search as one types (its indicator style is
in helpcenter.css), the notice's print page, the application page and the admin site. Any
violation fails the test (tests/browser.py::no_csp_violations)."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser import (  # noqa: F401  (fixtures)
    allow_orm_beside_playwright,
    browser_type_launch_args,
    log_in,
    no_axe_violations,
    no_csp_violations,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_nothing_is_blocked_by_the_content_security_policy(page: Page, live_server, workflow):
    url = live_server.url
    log_in(page, url, "caseworker_a")
    expect(page.get_by_test_id("main-nav")).to_be_visible()

    page.goto(url + reverse("households:list"))
    with page.expect_response(lambda response: "q=" in response.url):
        page.locator("#id_q").press_sequentially("zs")
    page.goto(url + reverse("households:detail", args=[workflow.household_a.pk]) + "#plan")
    expect(page.locator("#plan")).to_be_visible()  # the tab opened by static/js/helpcenter.js
    page.get_by_test_id("user-menu").click()
    expect(page.get_by_test_id("logout")).to_be_visible()

    page.goto(url + reverse("cases:application_detail", args=[workflow.application_a.pk]))
    page.get_by_test_id("reveal-ids").click()
    expect(page.get_by_test_id("head-id")).to_have_text(
        workflow.application_a.proposal["head"]["id_number"]
    )
    page.goto(url + reverse("cases:notice_print", args=[workflow.notice_a.pk]))
    expect(page.locator("h1")).to_have_css("text-align", "center")  # notice_print.css applies

    page.goto(url + reverse("dashboard"))
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    log_in(page, url, "admin")
    page.goto(url + reverse("admin:helpcenter_user_changelist"))
    page.goto(url + reverse("admin:helpcenter_union_add"))
    expect(page.locator("#content")).to_be_visible()
