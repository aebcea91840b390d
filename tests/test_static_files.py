"""The static files as production serves them: collectstatic with DEBUG off writes each file
under a hashed name with gzip and brotli copies, pages link those names, and WhiteNoise serves
them compressed and cached for years. A first visit (the login page, then the dashboard) stays
under 100 KB of CSS and JavaScript."""

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from helpcenter import settings as project_settings

FIRST_VISIT_BUDGET = 100_000  # bytes on the wire, gzip
TEN_YEARS = "max-age=315360000"
STATIC_LINK = re.compile(r'(?:href|src)="(/static/[^"]+)"')


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    """collectstatic into a temporary STATIC_ROOT with the project's own storage, the way the
    Dockerfile runs it; the tests in this module then serve from there."""
    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(STORAGES=project_settings.STORAGES, STATIC_ROOT=root):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


def manifest(root: Path) -> dict[str, str]:
    return json.loads((root / "staticfiles.json").read_text())["paths"]


def static_links(html: str) -> list[str]:
    return STATIC_LINK.findall(html)


def test_collectstatic_writes_hashed_names_with_compressed_copies(collected):
    hashed = manifest(collected)["vendor/bootstrap/bootstrap.min.css"]
    assert re.fullmatch(r"vendor/bootstrap/bootstrap\.min\.[0-9a-f]{12}\.css", hashed)
    for suffix in ("", ".gz", ".br"):
        assert (collected / (hashed + suffix)).is_file()


def test_pages_link_the_hashed_names(collected, client):
    links = static_links(client.get(reverse("login")).content.decode())
    names = manifest(collected)
    assert "/static/" + names["vendor/bootstrap/bootstrap.min.css"] in links
    assert "/static/" + names["js/helpcenter.js"] in links
    assert all(link.removeprefix("/static/") in names.values() for link in links)


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_a_hashed_file_is_served_compressed_and_cached_for_years(collected, client, db, encoding):
    url = "/static/" + manifest(collected)["vendor/bootstrap/bootstrap.min.css"]
    response = client.get(url, HTTP_ACCEPT_ENCODING=encoding)
    assert response.status_code == 200
    assert response["Content-Encoding"] == encoding
    assert int(response["Content-Length"]) < 40_000  # 232 KB uncompressed
    assert TEN_YEARS in response["Cache-Control"]
    assert "immutable" in response["Cache-Control"]
    response.close()


def test_first_visit_stays_under_the_budget(collected, client, people):
    links = static_links(client.get(reverse("login")).content.decode())
    client.force_login(people.caseworker_a)
    links += static_links(client.get(reverse("dashboard")).content.decode())
    assert links
    weight = 0
    for url in set(links):
        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
        assert response.status_code == 200, url
        weight += len(b"".join(response.streaming_content))
        response.close()
    assert weight < FIRST_VISIT_BUDGET, f"{weight} bytes"
