"""What the browser journeys share: Debian's Chromium, screenshots, logging in.

Import the fixtures into a journey module: `from tests.browser import browser_type_launch_args,
allow_orm_beside_playwright, log_in, shot`.
"""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.factories import TEST_PASSWORD

SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "journey"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(autouse=True, scope="session")
def allow_orm_beside_playwright():
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures,
    # the tests and the database setup and flush are still synchronous and safe. Session scope:
    # set when the first browser test starts, before the test database may be created. Browser
    # tests run last (tests/conftest.py), so no other test runs with it set.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def log_in(page: Page, base_url: str, username: str, password: str = TEST_PASSWORD) -> None:
    page.goto(base_url + "/")
    expect(page).to_have_url(base_url + "/accounts/login/?next=/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def watch_for_csp_violations(page: Page) -> list[str]:
    """Collect what the Content-Security-Policy blocks on `page`: the browser's
    `securitypolicyviolation` events and its console reports of them."""
    violations: list[str] = []

    def from_console(message) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", from_console)
    page.expose_binding("hcCspViolation", lambda source, text: violations.append(text))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) => window.hcCspViolation("
        "`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:"
        "${e.lineNumber} on ${location.pathname}`));"
    )
    return violations


@pytest.fixture(autouse=True)
def no_csp_violations(request):
    """A journey fails when the Content-Security-Policy blocks anything on any page it visits
    (an inline script or style, htmx's injected style): autouse where it is imported."""
    if "page" not in request.fixturenames:
        yield
        return
    violations = watch_for_csp_violations(request.getfixturevalue("page"))
    yield
    assert violations == [], violations
