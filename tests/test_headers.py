"""Security headers: a Content-Security-Policy (our own origin only) and a Permissions-Policy on
every page; `Cache-Control: no-store` on every response to someone logged in — the pages and
files with a family's data — while static files keep their own caching."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from helpcenter.demo import DemoPeople
from households import services
from households.models import DocumentType

pytestmark = pytest.mark.django_db


def assert_no_store(response) -> None:
    assert response.status_code == 200, response.status_code
    assert "no-store" in response.get("Cache-Control", ""), response.get("Cache-Control")


def test_every_page_has_the_content_security_policy_and_the_permissions_policy(client, workflow):
    pages = [reverse("login")]
    client.force_login(workflow.supervisor)
    pages += [
        reverse("dashboard"),
        reverse("households:list"),
        reverse("households:detail", args=[workflow.household_a.pk]),
        reverse("cases:application_list"),
        reverse("cases:application_detail", args=[workflow.application_a.pk]),
        reverse("cases:notice_detail", args=[workflow.notice_a.pk]),
        reverse("cases:notice_print", args=[workflow.notice_a.pk]),
        reverse("households:detail", args=[workflow.household_b.pk + 1000]),  # a 404 too
    ]
    for url in pages:
        response = client.get(url)
        assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY, url
        assert response["Permissions-Policy"] == settings.PERMISSIONS_POLICY, url
    policy = dict(part.split(" ", 1) for part in settings.CONTENT_SECURITY_POLICY.split("; "))
    assert (policy["script-src"], policy["style-src"]) == ("'self'", "'self'")
    assert "camera=()" in settings.PERMISSIONS_POLICY


def test_pages_and_files_with_a_familys_data_are_not_stored(client, workflow, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    document = services.document_add(
        actor=workflow.caseworker_a,
        household=workflow.household_a,
        document_type=DocumentType.objects.get(code="id_card"),
        upload=SimpleUploadedFile("id.pdf", b"%PDF-1.4 x", content_type="application/pdf"),
    )
    client.force_login(workflow.caseworker_a)
    for url in (
        reverse("households:detail", args=[workflow.household_a.pk]),
        reverse("households:export"),
        reverse("cases:application_detail", args=[workflow.application_a.pk]),
        reverse("cases:notice_pdf", args=[workflow.notice_a.pk]),
        reverse("households:document", args=[workflow.household_a.pk, document.pk]),
    ):
        assert_no_store(client.get(url))


def test_the_import_preview_is_not_stored(client, people, settings, tmp_path):
    from tests.test_household_import import household_row, write_workbook

    settings.MEDIA_ROOT = tmp_path / "media"
    path = write_workbook(
        tmp_path / "县总.xlsx", [household_row(DemoPeople(seed=8802).resident_id())]
    )
    client.force_login(people.caseworker_a)
    with open(path, "rb") as stream:
        response = client.post(reverse("households:import"), {"file": stream})
    assert response.status_code == 302
    assert_no_store(client.get(response["Location"]))


def test_static_files_keep_their_caching(client, people):
    client.force_login(people.caseworker_a)
    assert_no_store(client.get(reverse("dashboard")))
    static = client.get(settings.STATIC_URL + "css/helpcenter.css")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")
