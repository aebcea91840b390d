"""Browser journey: the dashboard picture on the demo county. The county supervisor and a
grassroots supervisor (supervisor_1301) open their home page at a desktop's 1280 px and a
tablet's 820 px and see this year's four charts, each a labelled image that fits its card;
axe-core and the Content-Security-Policy check every page (tests/browser.py). Screenshots:
test-artifacts/journey/dashboard-*.png."""

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
from tests.conftest import seed_document_types, seed_relief_programmes
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOGINS = ["supervisor", "supervisor_1301", "finance"]


@pytest.fixture
def demo_county():
    # What migrations seed (document types, programmes and funds): an earlier transactional
    # test's flush removed them.
    seed_document_types()
    seed_relief_programmes()
    call_command("seed_demo", households=12, seed=1, allow_production=True, stdout=None)
    for user in User.objects.filter(username__in=LOGINS):
        user.set_password(TEST_PASSWORD)  # the printed demo passwords are drawn per seed
        user.save(update_fields=["password"])


@pytest.mark.parametrize("username", ["supervisor", "supervisor_1301"])
def test_a_supervisor_sees_the_charts_at_desktop_and_tablet_width(
    page: Page, live_server, demo_county, username
):
    log_in(page, live_server.url, username)
    for width in (1280, 820):
        page.set_viewport_size({"width": width, "height": 900})
        page.reload()
        charts = page.get_by_test_id("charts")
        expect(charts.get_by_role("heading", name="本年度数据")).to_be_visible()
        images = charts.get_by_role("img")
        expect(images).to_have_count(4)
        expect(charts.get_by_role("img", name="脱困率与目标", exact=False)).to_be_visible()
        for index in range(4):
            box = images.nth(index).bounding_box()
            card = charts.locator("figure").nth(index).bounding_box()
            assert box["width"] <= card["width"]  # drawn within its card, no sideways scroll
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"dashboard-{username}-{width}")
