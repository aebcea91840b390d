"""What the browser journeys share: Debian's Chromium, screenshots, logging in, and two checks
on every page a journey visits: the Content-Security-Policy blocks nothing, and axe-core finds no
critical or serious accessibility violation (WCAG 2.1 A/AA and best practice).

Import the fixtures into a journey module: `from tests.browser import browser_type_launch_args,
allow_orm_beside_playwright, log_in, no_csp_violations, no_axe_violations, shot`.
"""

import contextlib
import functools
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from tests.factories import TEST_PASSWORD

SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "journey"
DEBIAN_CHROMIUM = "/usr/bin/chromium"
# axe-core as the npm package ships it (tests/vendor/axe-core/README.md): the CI has no network.
AXE_SCRIPT = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
    # Reading the style sheets would add a <style> with each `@import` (the admin's forms.css has
    # one) to a page under the Content-Security-Policy; only css-orientation-lock needs them.
    "preload": False,
}
AXE_FAILING_IMPACTS = {"critical", "serious"}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        # Debian's Chromium; where there is none (Ubuntu ships only a snap), the browser that
        # bin/install_system_packages.sh fetched with `playwright install chromium`.
        **({"executable_path": DEBIAN_CHROMIUM} if Path(DEBIAN_CHROMIUM).exists() else {}),
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
    """Save a screenshot, and check the page as it is now with axe-core (an opened menu, an
    error summary, a list htmx has replaced): `no_axe_violations` fails the test on a finding."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)
    check_a11y(page)


def axe_violations(page: Page) -> list[str]:
    """The critical and serious violations axe-core finds on the page as it is now, one line
    each: path, rule, impact and the elements. Injected through the DevTools protocol, which the
    Content-Security-Policy does not govern."""
    page.evaluate(_axe_once())
    # One run at a time (a page's load and a `shot` may ask at once): each waits for the last.
    results = page.evaluate(
        """options => {
            const run = (window.hcAxeRun || Promise.resolve())
                .catch(() => null)
                .then(() => axe.run(document, options));
            window.hcAxeRun = run;
            return run;
        }""",
        AXE_OPTIONS,
    )
    path = page.evaluate("() => location.pathname + location.search")
    return [
        f"{path}: {violation['id']} ({violation['impact']}) {violation['help']} — "
        + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in results["violations"]
        if violation["impact"] in AXE_FAILING_IMPACTS
    ]


@functools.cache
def _axe_once() -> str:
    """axe-core's script, injected once in a page: a second check does not replace it mid-run."""
    return "if (typeof window.axe !== 'object') {\n" + AXE_SCRIPT.read_text("utf-8") + "\n}"


def check_a11y(page: Page) -> None:
    """Run axe-core on the page now; what it finds is collected by `no_axe_violations`."""
    found = getattr(page, "hc_axe_violations", None)
    if found is None:  # a page outside the fixture (a second tab): fail here and now
        assert axe_violations(page) == []
        return
    for line in axe_violations(page):
        if line not in found:
            found.append(line)


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


@pytest.fixture(autouse=True)
def no_axe_violations(request):
    """A journey fails when axe-core finds a critical or serious violation on a page it visits:
    each page is checked when it has loaded, and again at each `shot` (the state the test set
    up). Autouse where it is imported."""
    if "page" not in request.fixturenames:
        yield
        return
    page: Page = request.getfixturevalue("page")
    page.hc_axe_violations = []

    def on_load(_page) -> None:
        # The test may have moved on to the next page meanwhile: that one is checked on its load.
        with contextlib.suppress(PlaywrightError):
            check_a11y(page)

    page.on("load", on_load)
    yield
    page.remove_listener("load", on_load)
    assert page.hc_axe_violations == [], "\n".join(page.hc_axe_violations)
