"""What the pages give a screen reader and a keyboard (docs/accessibility.md): a skip link and one
`main` on every page, error summaries and marked fields on forms, a live count of a search typed
in. axe-core and the keyboard walk itself are in the browser journeys (tests/browser.py,
tests/test_journey_keyboard.py)."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def attributes_of(html: str, element_id: str) -> str:
    return re.search(rf'<[^>]*\bid="{element_id}"[^>]*>', html)[0]


def test_every_page_starts_with_a_skip_link_to_its_one_main(client, registry):
    client.force_login(registry.caseworker_a)
    for url in (reverse("dashboard"), reverse("households:list"), reverse("login")):
        page = client.get(url, follow=True).content.decode()
        body = page.split("<body", 1)[1]
        first_link = re.search(r"<a [^>]*>", body)[0]
        assert 'href="#main"' in first_link and "hc-skip-link" in first_link
        assert page.count("<main") == 1 and '<main id="main"' in page


def test_the_printed_notice_has_a_main_landmark(client, workflow):
    client.force_login(workflow.caseworker_a)
    page = client.get(reverse("cases:notice_print", args=[workflow.notice_a.pk])).content.decode()
    assert page.count("<main>") == 1 and page.index("<main>") < page.index("<h1>")


def test_an_empty_login_marks_both_fields_and_lists_them(client, people):
    page = client.post(reverse("login"), {"username": "", "password": ""}).content.decode()
    assert 'id="error-summary"' in page
    for name in ("username", "password"):
        field = attributes_of(page, f"id_{name}")
        assert 'aria-invalid="true"' in field and f'aria-describedby="id_{name}_error"' in field
        assert f'href="#id_{name}"' in page
        assert f'id="id_{name}_error"' in page


def test_a_wrong_password_marks_both_fields_with_the_forms_message(client, people):
    page = client.post(
        reverse("login"), {"username": "caseworker_a", "password": "wrong-password"}
    ).content.decode()
    assert re.search(r'<li id="form-error">请输入一个正确的用户名和密码', page)
    for name in ("username", "password"):
        field = attributes_of(page, f"id_{name}")
        assert 'aria-invalid="true"' in field and 'aria-describedby="form-error"' in field


def test_a_login_page_without_errors_marks_nothing_but_what_is_required(client, people):
    page = client.get(reverse("login")).content.decode()
    assert "error-summary" not in page and "aria-invalid" not in page
    assert " required" in attributes_of(page, "id_username")
    assert "为必填项" in page


@pytest.mark.parametrize(
    ("person", "url_name"),
    [
        ("caseworker_a", "cases:application_create"),
        ("supervisor", "households:create"),
        ("caseworker_a", "households:import"),
        ("caseworker_a", "password_change"),
    ],
)
def test_a_failed_form_has_a_summary_linking_each_field_and_a_required_legend(
    client, registry, person, url_name
):
    client.force_login(registry[person])
    # Nothing filled in: the browser sends the CSRF token alone.
    page = client.post(reverse(url_name), {"csrfmiddlewaretoken": "x"}).content.decode()
    summary = re.search(r'<div [^>]*id="error-summary".*?</div>', page, re.S)[0]
    assert 'tabindex="-1"' in summary
    links = re.findall(r'href="#(id_\w+)"', summary)
    assert links, summary
    for field_id in links:
        assert 'aria-invalid="true"' in attributes_of(page, field_id)
    assert "为必填项" in page and 'class="asteriskField"' in page


def test_a_search_typed_in_gets_its_rows_and_their_count_for_the_live_region(client, registry):
    client.force_login(registry.supervisor)
    response = client.get(reverse("households:list"), {"q": "zs"}, headers=HTMX)
    page = response.content.decode()
    assert "<main" not in page and "张三" in page and "李四" not in page
    assert re.search(r'<p id="household-count" hx-swap-oob="innerHTML">\s*共 1 户符合条件。', page)
    assert "HX-Request" in response["Vary"]


def test_the_list_page_has_the_live_region_and_pushes_the_search_into_the_address(client, registry):
    client.force_login(registry.supervisor)
    page = client.get(reverse("households:list")).content.decode()
    region = attributes_of(page, "household-count")
    assert 'role="status"' in region and "hx-swap-oob" not in region
    assert "共 2 户符合条件。" in page
    form = re.search(r'<form [^>]*data-testid="household-filter"[^>]*>', page)[0]
    assert 'hx-push-url="true"' in form


def test_going_back_to_a_pushed_search_gets_the_whole_page(client, registry):
    client.force_login(registry.supervisor)
    page = client.get(
        reverse("households:list"),
        {"q": "zs"},
        headers={**HTMX, "HX-History-Restore-Request": "true"},
    ).content.decode()
    assert "<main" in page and 'value="zs"' in page


def test_the_members_table_names_its_last_column(client, registry):
    client.force_login(registry.caseworker_a)
    page = client.get(reverse("households:detail", args=[registry.household_a.pk])).content
    assert b"<th></th>" not in page
