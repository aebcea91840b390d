"""Browser journey: the county administrator opens 系统管理 from the navigation and finds every
model it manages on the admin index, in Chinese; a grassroots administrator finds only its staff.

Playwright drives Debian's /usr/bin/chromium against live_server. Screenshots land in
test-artifacts/journey/ (git-ignored) for a person to look at.
"""

import pytest
from playwright.sync_api import Page, expect

from tests.browser import (  # noqa: F401  (fixtures)
    allow_orm_beside_playwright,
    browser_type_launch_args,
    log_in,
    no_axe_violations,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COUNTY_MODELS = [
    "工会",
    "工作人员",
    "低保标准",
    "困难认定标准",
    "证明材料类型",
    "节假日与调休",
    "周期性任务",
    "登录日志",
]


def test_the_county_administrator_finds_its_models_under_administration(
    page: Page, live_server, people
):
    log_in(page, live_server.url, people.administrator.username)
    page.get_by_test_id("main-nav").get_by_role("link", name="系统管理").click()
    expect(page).to_have_url(live_server.url + "/admin/")
    content = page.locator("#content-main")
    expect(content).not_to_contain_text("你没有查看或编辑的权限")
    for name in COUNTY_MODELS:
        expect(content.get_by_role("link", name=name, exact=True)).to_be_visible()
    shot(page, "admin-index-county")

    content.get_by_role("link", name="低保标准", exact=True).click()
    expect(page.locator("#nav-sidebar")).to_contain_text("节假日与调休")
    shot(page, "admin-living-standards")


def test_a_grassroots_administrator_finds_only_its_staff(page: Page, live_server, people):
    log_in(page, live_server.url, people.administrator_a.username)
    page.get_by_test_id("main-nav").get_by_role("link", name="系统管理").click()
    content = page.locator("#content-main")
    expect(content.get_by_role("link", name="工作人员", exact=True)).to_be_visible()
    expect(content.get_by_role("link", name="工会", exact=True)).to_have_count(0)
    expect(content).not_to_contain_text("低保标准")
    shot(page, "admin-index-grassroots")
