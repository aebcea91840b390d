"""The import preview lists the rows (issue 8, item 7): each household's name, masked ID, union
and what the import does with it, and for an update what changes, before → after; a large file
shows its first rows with the counts of all, from the plan kept at upload (no second parse)."""

import pytest

from helpcenter.demo import DemoPeople
from households import importing, views_import
from households.models import Member
from households.resident_ids import mask
from tests.test_household_import import enter_approved, household_row, write_workbook
from tests.test_import_workflow import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def ids():
    return DemoPeople(seed=8107)


def rows_of(page) -> list[str]:
    return page.context["rows"]


def test_the_preview_lists_each_row_with_what_happens_and_the_changes(
    client, people, ids, tmp_path
):
    kept, changed, new = (ids.resident_id() for _ in range(3))
    enter_approved(
        write_workbook(
            tmp_path / "a.xlsx",
            [
                household_row(kept, name="张伟"),
                household_row(changed, name="李娜", 工作单位="县纺织厂"),
            ],
        ),
        people,
    )
    workbook = write_workbook(
        tmp_path / "b.xlsx",
        [
            household_row(kept, name="张伟"),
            household_row(changed, name="李娜", 工作单位="县机械厂", 住房情况="自有住房"),
            household_row(new, name="王芳"),
        ],
    )
    client.force_login(people.caseworker_a)

    page = client.get(upload(client, workbook).url)

    html = page.content.decode()
    assert [row.action for row in rows_of(page)] == ["unchanged", "update", "create"]
    for name, number in (("张伟", kept), ("李娜", changed), ("王芳", new)):
        assert name in html and mask(number) in html and number not in html
    assert html.count("甲厂工会") >= 3
    assert "工作单位：县纺织厂 → 县机械厂" in html
    assert "住房情况：租房 → 自有住房" in html
    update_row = html[html.index('data-action="update"') :]
    assert "更新" in update_row[: update_row.index("</tr>")]
    assert Member.objects.get(id_number=changed).household.work_unit == "县纺织厂"


def test_a_member_change_is_shown_before_and_after(client, people, ids, tmp_path):
    head, spouse = ids.resident_id(), ids.resident_id()
    members = [{"户主身份证号": head, "姓名": "王芳", "身份证号": spouse, "与户主关系": "配偶"}]
    enter_approved(write_workbook(tmp_path / "a.xlsx", [household_row(head)], members), people)
    members[0]["健康状况"] = "大病"
    client.force_login(people.caseworker_a)

    page = client.get(upload(client, write_workbook(tmp_path / "b.xlsx", [], members)).url)

    assert "王芳（健康状况：健康 → 大病）" in page.content.decode()


def test_a_large_file_shows_its_first_rows_and_counts_them_all(
    client, people, ids, tmp_path, monkeypatch
):
    monkeypatch.setattr(views_import, "PREVIEW_ROWS", 3)
    rows = [household_row(ids.resident_id(), name=f"张{i}") for i in range(5)]
    client.force_login(people.caseworker_a)
    preview = upload(client, write_workbook(tmp_path / "many.xlsx", rows)).url
    parsed = []
    monkeypatch.setattr(importing, "read_workbook", lambda *a, **k: parsed.append(1))

    page = client.get(preview)

    assert len(rows_of(page)) == 3
    assert page.context["counts"]["create"] == 5
    assert "前 3 行（共 5 行）" in page.content.decode()
    assert parsed == []  # the kept plan, not the workbook again
