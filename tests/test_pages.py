"""The shell: dashboard, navigation, union pages, error pages, language."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from helpcenter.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The pages of applications and notices, in whatever words the catalogue gives them.
CASES = [_("Applications"), _("Public notices")]
# The relief pages (relief:index): every member of the staff reads the ledger.
RELIEF = "帮扶资金"
# The reports page (reports:index): every member of the staff asks for the reports of their scope.
REPORTS = "报表"


def nav_labels(response) -> list[str]:
    return [str(item["label"]) for item in response.context["navigation"]]


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("caseworker_a", ["工作台", "困难职工档案", *CASES, RELIEF, REPORTS, "工会与人员"]),
        ("supervisor", ["工作台", "困难职工档案", *CASES, RELIEF, REPORTS, "工会与人员"]),
        ("finance", ["工作台", "困难职工档案", *CASES, RELIEF, REPORTS, "工会与人员"]),
        ("auditor", ["工作台", "困难职工档案", *CASES, RELIEF, REPORTS, "工会与人员"]),
        (
            "administrator",
            ["工作台", "困难职工档案", *CASES, RELIEF, REPORTS, "工会与人员", "系统管理"],
        ),
    ],
)
def test_each_role_sees_its_navigation(client, people, person, expected):
    client.force_login(people[person])
    response = client.get(reverse("dashboard"))
    assert nav_labels(response) == [str(label) for label in expected]


def test_the_dashboard_counts_what_the_person_may_see(client, people):
    client.force_login(people.caseworker_a)
    cards = {str(c.title): c.count for c in client.get(reverse("dashboard")).context["cards"]}
    assert cards["本人范围内的工会"] == 1
    # caseworker_a, the outsider, supervisor_a and administrator_a
    assert cards["本人范围内的在岗工作人员"] == 4
    client.force_login(people.supervisor)
    cards = {str(c.title): c.count for c in client.get(reverse("dashboard")).context["cards"]}
    assert cards["本人范围内的工会"] == 3
    assert cards["本人范围内的在岗工作人员"] == 10


def test_the_administrator_sees_locked_and_roleless_accounts(client, people):
    client.force_login(people.administrator)
    cards = {str(c.title): c.count for c in client.get(reverse("dashboard")).context["cards"]}
    assert cards["因登录失败被锁定的账户"] == 0
    assert cards["未分配角色的在岗账户"] == 1  # the outsider


def test_a_caseworker_sees_only_their_union(client, people):
    client.force_login(people.caseworker_a)
    response = client.get(reverse("org:union_list"))
    assert [u.code for u in response.context["unions"]] == ["1301"]
    assert client.get(reverse("org:union_detail", args=["1302"])).status_code == 404
    assert client.get(reverse("org:union_detail", args=["9999"])).status_code == 404


def test_county_staff_see_every_union_with_staff_counts(client, people):
    client.force_login(people.auditor)
    unions = client.get(reverse("org:union_list")).context["unions"]
    assert {u.code: u.staff_count for u in unions} == {"1300": 5, "1301": 4, "1302": 1}


def test_union_detail_lists_staff_with_roles_in_constant_queries(client, people):
    client.force_login(people.supervisor)
    url = reverse("org:union_detail", args=["1301"])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        UserFactory(username=f"extra{n}", union=people.union_a, roles=[Role.CASEWORKER])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(many) == len(few)
    assert (
        len(response.context["staff"]) == 9
    )  # caseworker_a, the outsider, supervisor_a, administrator_a, five more


def test_pages_are_in_simplified_chinese_by_default(client, people):
    client.force_login(people.caseworker_a)
    page = client.get(reverse("dashboard")).content.decode()
    assert '<html lang="zh-hans">' in page
    assert "困难职工帮扶中心" in page
    assert "退出登录" in page


def test_the_language_switch_turns_pages_to_english(client, people):
    client.force_login(people.caseworker_a)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("dashboard")).content.decode()
    assert "Log out" in page
    assert "退出登录" not in page


def test_not_found_and_forbidden_pages_are_in_chinese(client, people):
    client.force_login(people.outsider)
    forbidden = client.get(reverse("dashboard"))
    assert forbidden.status_code == 403
    assert "您无权打开此页面" in forbidden.content.decode()
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert "页面不存在" in missing.content.decode()


def test_the_server_error_page_is_in_chinese(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "出错了" in response.content.decode()


def test_static_assets_are_served_locally_not_from_a_cdn(client, people):
    client.force_login(people.caseworker_a)
    page = client.get(reverse("dashboard")).content.decode()
    assert "/static/vendor/bootstrap/bootstrap.min.css" in page
    assert "/static/vendor/htmx/htmx.min.js" in page
    assert "cdn" not in page.lower()


def test_an_htmx_request_after_the_session_ended_redirects_the_whole_page(client):
    response = client.get(reverse("dashboard"), headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response["HX-Redirect"] == reverse("login")


def test_a_browser_set_to_english_still_gets_chinese_until_the_switch(client, people):
    client.force_login(people.caseworker_a)
    page = client.get(reverse("dashboard"), headers={"Accept-Language": "en-US,en"})
    assert "退出登录" in page.content.decode()
