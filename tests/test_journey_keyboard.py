"""Browser journey by keyboard alone: the skip link is the first Tab stop of every page, the
login and the registration form are walked in order, and after a failed submit the error summary
takes focus and leads to each field. Screenshots: test-artifacts/journey/keyboard-*.png."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext_lazy
from playwright.sync_api import Page, expect

from tests.browser import (  # noqa: F401  (fixtures)
    allow_orm_beside_playwright,
    browser_type_launch_args,
    no_axe_violations,
    no_csp_violations,
    shot,
)
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REQUIRED = "这个字段是必填项。"
WRONG_PASSWORD = "请输入一个正确的用户名和密码。注意，两者都区分大小写。"


def focused(page: Page) -> str:
    """What has focus: a field by its id, anything else by its text."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return ['INPUT', 'SELECT', 'TEXTAREA'].includes(e.tagName) ? '#' + e.id"
        " : e.tagName === 'MAIN' ? 'main' : e.innerText.trim(); }"
    )


def tab_through(page: Page, presses: int) -> list[str]:
    order = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        order.append(focused(page))
    return order


def test_the_login_is_walked_and_its_errors_mark_both_fields(page: Page, live_server, people):
    page.goto(live_server.url + reverse("login"))
    assert tab_through(page, 5) == [
        "跳到主要内容",
        "困难职工帮扶中心",
        "#id_username",
        "#id_password",
        "登录",
    ]

    page.keyboard.press("Enter")  # nothing typed
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(f"用户名：{REQUIRED}")
    expect(summary).to_contain_text(f"密码：{REQUIRED}")
    for label in ("用户名", "密码"):
        expect(page.get_by_label(label)).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label(label)).to_have_accessible_description(REQUIRED)
    shot(page, "keyboard-login-empty")

    page.keyboard.press("Tab")
    expect(summary.get_by_role("link", name="用户名")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("用户名")).to_be_focused()
    page.keyboard.type("caseworker_a")
    page.keyboard.press("Tab")
    page.keyboard.type("wrong-password")
    page.keyboard.press("Enter")

    # A wrong password is the form's error: both fields are marked and described by it.
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(WRONG_PASSWORD)
    for label in ("用户名", "密码"):
        expect(page.get_by_label(label)).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label(label)).to_have_accessible_description(WRONG_PASSWORD)

    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_label("密码").press("Enter")
    expect(page).to_have_url(live_server.url + "/")


def test_the_registration_form_is_reached_past_the_bar_and_its_errors_take_focus(
    page: Page, live_server, people
):
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("用户名").fill("caseworker_a")
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_label("密码").press("Enter")
    expect(page).to_have_url(live_server.url + "/")
    page.goto(live_server.url + reverse("cases:application_create"))

    # Without the skip link: the bar, then the breadcrumbs, then the fields in their order.
    navigation = [
        "工作台",
        "困难职工档案",
        gettext_lazy("Applications"),
        gettext_lazy("Public notices"),
        "帮扶资金",
        "报表",
        "工会与人员",
    ]
    assert tab_through(page, 16) == [
        "跳到主要内容",
        "困难职工帮扶中心",
        *[str(label) for label in navigation],
        f"{people.caseworker_a.name} · 甲厂工会",
        "工作台",
        str(gettext_lazy("Applications")),
        "#id_head_name",
        "#id_head_id_number",
        "#id_head_health",
        "#id_phone",
    ]

    # With it: the first Tab shows it, Enter goes past the bar and the breadcrumbs.
    page.reload()
    page.keyboard.press("Tab")
    skip_link = page.get_by_test_id("skip-link")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    shot(page, "keyboard-skip-link")
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
    assert tab_through(page, 1) == ["#id_head_name"]

    page.keyboard.press("Enter")  # submit the empty form from its first field
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(page.get_by_label("职工姓名")).to_have_attribute("aria-invalid", "true")
    shot(page, "keyboard-registration-errors")
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link").first).to_be_focused()
    expect(summary.get_by_role("link").first).to_have_text("职工姓名")
    page.keyboard.press("Enter")
    expect(page.get_by_label("职工姓名")).to_be_focused()
