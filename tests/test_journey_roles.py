"""Browser journey: every role logs in, sees its own navigation, and logs out.

Playwright drives Debian's /usr/bin/chromium against live_server. Screenshots land in
test-artifacts/journey/ (git-ignored) for a person to look at.
"""

import pytest
from django.utils.translation import gettext_lazy
from playwright.sync_api import Page, expect

from tests.browser import (  # noqa: F401  (fixtures)
    allow_orm_beside_playwright,
    browser_type_launch_args,
    log_in,
    no_axe_violations,
    no_csp_violations,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The pages of applications and notices, in whatever words the catalogue gives them.
CASES = [gettext_lazy("Applications"), gettext_lazy("Public notices")]

EXPECTED_NAVIGATION = {
    "caseworker_a": ["工作台", "困难职工档案", *CASES, "帮扶资金", "报表", "工会与人员"],
    "supervisor": ["工作台", "困难职工档案", *CASES, "帮扶资金", "报表", "工会与人员"],
    "finance": ["工作台", "困难职工档案", *CASES, "帮扶资金", "报表", "工会与人员"],
    "auditor": ["工作台", "困难职工档案", *CASES, "帮扶资金", "报表", "工会与人员"],
    "administrator": [
        "工作台",
        "困难职工档案",
        *CASES,
        "帮扶资金",
        "报表",
        "工会与人员",
        "系统管理",
    ],
    # A grassroots union's own supervisor and administrator.
    "supervisor_a": ["工作台", "困难职工档案", *CASES, "帮扶资金", "报表", "工会与人员"],
    "administrator_a": [
        "工作台",
        "困难职工档案",
        *CASES,
        "帮扶资金",
        "报表",
        "工会与人员",
        "系统管理",
    ],
}


@pytest.mark.parametrize("person", list(EXPECTED_NAVIGATION))
def test_each_role_logs_in_sees_its_navigation_and_logs_out(
    page: Page, live_server, people, person
):
    user = people[person]
    log_in(page, live_server.url, user.username)
    expect(page.get_by_role("heading", level=1)).to_contain_text(user.name)
    nav = page.get_by_test_id("main-nav").get_by_role("link")
    expect(nav).to_have_text([str(label) for label in EXPECTED_NAVIGATION[person]])
    shot(page, f"{person}-dashboard")

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(live_server.url + "/accounts/login/")
    page.goto(live_server.url + "/")
    expect(page).to_have_url(live_server.url + "/accounts/login/?next=/")


def test_a_wrong_password_and_the_lockout_read_clearly(page: Page, live_server, people):
    log_in(page, live_server.url, "caseworker_a", "wrong-password")
    expect(page.get_by_test_id("error-summary")).to_contain_text("请输入一个正确的")
    expect(page.get_by_test_id("error-summary")).to_be_focused()
    # The error is the form's, not a field's: both fields are marked and point to it.
    for label in ("用户名", "密码"):
        expect(page.get_by_label(label)).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label(label)).to_have_accessible_description(
            "请输入一个正确的用户名和密码。注意，两者都区分大小写。"
        )
    shot(page, "login-wrong-password")
    for _ in range(4):
        page.get_by_label("用户名").fill("caseworker_a")
        page.get_by_label("密码").fill("wrong-password")
        page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("locked-out")).to_contain_text("账户已锁定")
    expect(page.get_by_test_id("locked-out")).to_contain_text("请于")
    shot(page, "login-locked")


def test_the_shell_works_on_a_tablet(page: Page, live_server, people):
    page.set_viewport_size({"width": 768, "height": 1024})
    log_in(page, live_server.url, "supervisor")
    page.get_by_role("button", name="菜单").click()
    page.get_by_test_id("main-nav").get_by_role("link", name="工会与人员").click()
    expect(page.get_by_test_id("union-table")).to_contain_text("甲厂工会")
    shot(page, "tablet-unions")


def test_the_open_menu_reads_clearly_on_a_tablet(page: Page, live_server, people):
    # axe-core checks the opened menu on the red bar at `shot` (tests/browser.py): the links'
    # contrast was 3.14:1 before the bar's colours were set.
    page.set_viewport_size({"width": 820, "height": 1180})
    log_in(page, live_server.url, "caseworker_a")
    page.get_by_role("button", name="菜单").click()
    expect(page.locator("#hc-nav")).to_have_class("navbar-collapse collapse show")  # opened
    page.keyboard.press("Tab")  # from the menu button to its first link: the ring shows white
    expect(page.get_by_test_id("main-nav").get_by_role("link").first).to_be_focused()
    shot(page, "tablet-menu-open")
