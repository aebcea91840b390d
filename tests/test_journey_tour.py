"""Browser journey: the README's first tour, role by role, on the demo county that seed_demo
builds (in the test database). Each step opens what the README names, by its Chinese label, as
the login the README gives; a screenshot of each: test-artifacts/journey/tour-*.png.

The whole of an application's way (survey, review, notice, objection, approval) is walked in
detail by test_journey_notice.py; here each role reaches its part of it."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from helpcenter.models import User
from tests.browser import (  # noqa: F401  (fixtures)
    allow_orm_beside_playwright,
    browser_type_launch_args,
    log_in,
    no_axe_violations,
    no_csp_violations,
    shot,
)
from tests.conftest import seed_document_types
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOUR_LOGINS = ["caseworker_1301", "supervisor", "approver", "admin", "finance"]


@pytest.fixture
def demo_county(settings):
    seed_document_types()  # what migration 0002 seeds; an earlier transactional test flushed it
    call_command("seed_demo", households=12, seed=1, allow_production=True, stdout=None)
    for user in User.objects.filter(username__in=TOUR_LOGINS):
        user.set_password(TEST_PASSWORD)  # the printed demo passwords are drawn per seed
        user.save(update_fields=["password"])


def log_out(page: Page) -> None:
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()


def nav(page: Page, label: str) -> None:
    page.get_by_test_id("main-nav").get_by_role("link", name=label, exact=True).click()


def test_the_readme_tour_can_be_followed_role_by_role(page: Page, live_server, demo_county):
    base = live_server.url

    # 1. caseworker_1301: 困难职工档案, search, a file; 从 Excel 导入 with its template.
    log_in(page, base, "caseworker_1301")
    nav(page, "困难职工档案")
    expect(page.get_by_role("heading", name="困难职工档案")).to_be_visible()
    expect(page.get_by_role("link", name="录入已审批档案")).to_have_count(0)  # a supervisor's
    name = page.locator("table tbody tr td:nth-child(2)").first.inner_text()
    page.locator("input[name=q]").fill(name)
    page.locator("input[name=q]").press("Enter")
    expect(page.locator("table tbody tr").first).to_contain_text(name)
    shot(page, "tour-1-caseworker-search")
    page.locator("table tbody tr", has_text=name).first.locator("a").first.click()
    expect(page.get_by_test_id("status")).to_be_visible()
    shot(page, "tour-1-caseworker-file")
    nav(page, "困难职工档案")
    page.get_by_role("link", name="从 Excel 导入").click()
    expect(page.locator("input[type=file]")).to_be_visible()
    shot(page, "tour-1-caseworker-import")

    # 2. caseworker_1301: 新建档申请 opens the registration application's form.
    nav(page, "困难职工档案")
    page.get_by_role("link", name="新建档申请").click()
    expect(page.locator("#id_head_name")).to_be_visible()
    shot(page, "tour-2-caseworker-registration")
    log_out(page)

    # 3. supervisor: 申请审批, 公示, and the supervisor's pages of 困难职工档案.
    log_in(page, base, "supervisor")
    nav(page, "申请审批")
    expect(page.locator("table tbody tr").first).to_be_visible()
    shot(page, "tour-3-supervisor-applications")
    nav(page, "公示")
    shot(page, "tour-3-supervisor-notices")
    for label, step in (
        ("录入已审批档案", "approved-file"),
        ("新低保标准影响", "standard-impact"),
        ("档案抽查", "spot-checks"),
        ("待年度复核", "reviews-due"),
    ):
        nav(page, "困难职工档案")
        page.get_by_role("link", name=label, exact=True).click()
        expect(page.locator("main h1, h1").first).to_be_visible()
        assert "403" not in page.title()
        shot(page, f"tour-3-supervisor-{step}")
    log_out(page)

    # 4. approver: the second county supervisor, who approves after the notice period.
    log_in(page, base, "approver")
    nav(page, "公示")
    expect(page.get_by_role("heading", name="公示")).to_be_visible()
    nav(page, "申请审批")
    shot(page, "tour-4-approver")
    log_out(page)

    # 5. admin: 系统管理, in Chinese.
    log_in(page, base, "admin")
    nav(page, "系统管理")
    expect(page.locator("#content")).to_contain_text("登录日志")
    expect(page.locator("#content")).to_contain_text("工会")
    shot(page, "tour-5-admin")
    page.goto(base + "/")  # the admin site has its own header; log out from ours
    log_out(page)

    # 6. finance: 帮扶资金 — 待发放, 台账 with its totals, 资金与预算.
    log_in(page, base, "finance")
    for label, step in (("待发放", "to-pay"), ("台账", "ledger"), ("资金与预算", "funds")):
        nav(page, "帮扶资金")
        page.get_by_test_id("relief-pages").get_by_role("heading", name=label, exact=True).click()
        expect(page.locator("main h1")).to_contain_text(label)
        shot(page, f"tour-6-finance-{step}")
    expect(page.locator("main table").first).to_be_visible()
    log_out(page)

    # 7. supervisor: the home page's charts, and 报表 with last month's statistics ready.
    log_in(page, base, "supervisor")
    expect(page.locator("main svg").first).to_be_visible()
    shot(page, "tour-7-supervisor-dashboard")
    nav(page, "报表")
    expect(page.get_by_role("heading", name="报表", exact=True)).to_be_visible()
    expect(page.locator("#id_kind")).to_be_visible()
    ready = page.get_by_test_id("job-download").first
    expect(ready).to_be_visible()
    shot(page, "tour-7-supervisor-reports")
    with page.expect_download() as download:
        ready.click()
    assert download.value.suggested_filename.endswith((".pdf", ".xlsx"))
