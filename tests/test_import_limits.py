"""The import's bounds (issue 7, item 6): a workbook that unpacks past the limit, or a sheet with
too many rows, is refused in Chinese before (or while) it is parsed, and nothing is saved; the
upload parses and plans once, and the preview and the confirm reuse that plan."""

import time
import zipfile
from io import BytesIO
from unittest.mock import patch

import pytest
from django.urls import reverse

from cases.models import Application
from helpcenter.demo import DemoPeople
from households import importing, workbook
from households.importing import plan_import
from households.models import Household, HouseholdEvent, Member
from tests.test_household_import import household_row, write_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def ids():
    return DemoPeople(seed=7006)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def state() -> tuple[int, int, int, int]:
    return (
        Household.objects.count(),
        Member.objects.count(),
        HouseholdEvent.objects.count(),
        Application.objects.count(),
    )


def upload(client, path, **data):
    with open(path, "rb") as stream:
        return client.post(reverse("households:import"), {"file": stream, **data})


def zip_bomb(path, ids, *, megabytes: int):
    """A real workbook whose 户信息 sheet is rewritten with `megabytes` of repeated rows: the
    upload is tiny, the XML is not."""
    source = BytesIO()
    write_workbook(source, [household_row(ids.resident_id())])
    row = (
        '<row r="3"><c r="A3" t="inlineStr"><is><t>张伟</t></is></c>'
        '<c r="B3" t="inlineStr"><is><t>110105194912310021</t></is></c></row>'
    ).encode()
    block = row * (1024 * 1024 // len(row) + 1)
    with (
        zipfile.ZipFile(source) as original,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(item, data)
                continue
            start, end = data.split(b"<sheetData>")[0], data.split(b"</sheetData>")[1]
            with bomb.open(item.filename, "w", force_zip64=True) as sheet:
                sheet.write(start + b"<sheetData>")
                for _ in range(megabytes):
                    sheet.write(block)
                sheet.write(b"</sheetData>" + end)
    return path


def test_a_zip_bomb_is_refused_quickly_without_parsing(client, people, ids, media, tmp_path):
    path = zip_bomb(tmp_path / "bomb.xlsx", ids, megabytes=120)
    assert path.stat().st_size < 1024 * 1024  # 120 MB of XML in a small upload
    client.force_login(people.caseworker_a)
    before = state()
    never = AssertionError("the workbook was parsed")

    with patch.object(workbook, "load_workbook", side_effect=never):
        start = time.perf_counter()
        response = upload(client, path)
        seconds = time.perf_counter() - start
        plan = plan_import(path, actor=people.caseworker_a, union=people.union_a)  # the command

    assert seconds < 1
    assert response.status_code == 200
    [message] = response.context["form"].errors["file"]
    assert "50 MB" in message and "拆分" in message
    assert [error.row for error in plan.errors] == [None]
    assert "50" in plan.errors[0].message
    assert not (media / "imports").exists() or not list((media / "imports").iterdir())
    assert state() == before


def test_a_sheet_with_too_many_rows_is_refused_while_it_is_read(people, ids, tmp_path, settings):
    settings.IMPORT_MAX_HOUSEHOLD_ROWS = 3
    settings.IMPORT_MAX_MEMBER_ROWS = 5
    rows = [household_row(ids.resident_id()) for _ in range(4)]
    path = write_workbook(tmp_path / "a.xlsx", rows)
    before = state()

    [error] = importing.import_households(
        path, actor=people.supervisor, union=people.union_a, register_directly=True
    ).errors

    assert (error.sheet, error.row) == ("户信息", None)
    assert "超过 3 行" in error.message and "拆分" in error.message
    assert state() == before
    head = rows[0]["身份证号"]
    members = [
        {"户主身份证号": head, "姓名": "王芳", "身份证号": ids.resident_id(), "与户主关系": "子女"}
        for _ in range(6)
    ]
    path = write_workbook(tmp_path / "b.xlsx", rows[:3], members)
    [error] = plan_import(path, actor=people.caseworker_a, union=people.union_a).errors
    assert (error.sheet, error.row) == ("家庭成员", None) and "超过 5 行" in error.message
    assert state() == before


def test_the_limits_let_the_benchmarks_workbook_through(settings):
    """bin/bench_households.py imports 10,000 households with their members: 13 MB of XML."""
    assert settings.IMPORT_MAX_UNCOMPRESSED_MB >= 50
    assert settings.IMPORT_MAX_HOUSEHOLD_ROWS >= 10_000
    assert settings.IMPORT_MAX_MEMBER_ROWS >= 3 * 10_000


def test_a_file_that_is_not_a_zip_is_refused_at_the_upload(client, people, media, tmp_path):
    client.force_login(people.caseworker_a)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    text = tmp_path / "names.xlsx"
    text.write_text("姓名,身份证号\n", encoding="utf-8")
    before = state()
    for path, words in ((broken, "无法读取该文件"), (text, "请上传 Excel 工作簿")):
        response = upload(client, path)
        assert response.status_code == 200
        [message] = response.context["form"].errors["file"]
        assert words in message
    assert not client.session.get("household_imports")
    assert state() == before


def test_the_workbook_is_parsed_once_across_upload_preview_and_confirm(
    client, people, ids, media, tmp_path
):
    path = write_workbook(tmp_path / "a.xlsx", [household_row(ids.resident_id())])
    client.force_login(people.caseworker_a)

    with patch.object(importing, "read_workbook", wraps=importing.read_workbook) as reads:
        preview_url = upload(client, path)["Location"]
        assert client.get(preview_url).status_code == 200
        assert client.get(preview_url).status_code == 200
        assert client.post(preview_url).status_code == 302

    assert reads.call_count == 1
    assert (Application.objects.count(), Household.objects.count()) == (1, 0)


def test_a_plan_file_that_this_server_did_not_write_is_not_loaded(
    client, people, ids, media, tmp_path
):
    path = write_workbook(tmp_path / "a.xlsx", [household_row(ids.resident_id())])
    client.force_login(people.caseworker_a)
    preview_url = upload(client, path)["Location"]
    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    plan_file = media / "imports" / f"{token}.plan"
    content = plan_file.read_bytes()
    plan_file.write_bytes(content[:32] + content[32:].replace(b"a.xlsx", b"b.xlsx"))
    before = state()

    assert client.get(preview_url).status_code == 404
    assert client.post(preview_url).status_code == 404
    assert state() == before
