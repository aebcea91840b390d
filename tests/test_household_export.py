"""Exporting the household list to Excel (households/exporting.py, views_import.export): the
filtered list of the files the person may see, IDs masked, no cell a spreadsheet would run."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from households import resident_ids, services
from households.choices import Cause, Employment, Status
from households.exporting import COLUMNS, safe_text
from households.importing import import_households
from households.models import Household
from tests.factories import household_for

pytestmark = pytest.mark.django_db

HEADERS = [header for header, _width, _value in COLUMNS]


def export_rows(client, person, **params) -> list[dict]:
    client.force_login(person)
    response = client.get(reverse("households:export"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows())
    assert [cell.value for cell in rows[0]] == HEADERS
    return [dict(zip(HEADERS, row, strict=True)) for row in rows[1:]]


def test_it_exports_the_files_with_masked_ids(client, people):
    household = household_for(
        people.union_a,
        work_unit="县纺织厂",
        monthly_income=Decimal("1500.00"),
        size=3,
        employment=Employment.LAID_OFF,
        causes=[Cause.ILLNESS, Cause.EDUCATION],
    )
    [row] = export_rows(client, people.caseworker_a)
    head = household.head
    assert row["档案编号"].value == household.file_number
    assert row["姓名"].value == head.name
    assert row["身份证号"].value == resident_ids.mask(head.id_number) != head.id_number
    assert row["所属工会"].value == "甲厂工会"
    assert row["就业状况"].value == "待岗"
    assert row["致困原因"].value == "因病、因学"
    assert row["家庭月总收入"].value == 1500
    assert row["人均月收入"].value == 500
    assert row["状态"].value == "已建档"
    assert row["建档日期"].is_date


def test_cells_a_spreadsheet_would_run_are_exported_as_text(client, people):
    household_for(
        people.union_a,
        work_unit="=1+1",
        notes="@SUM(A1:A2)",
        skills="+1-2",
        state_of_mind="-3",
        family_situation="\t=cmd|' /C calc'!A0",
        employment_wishes="\r=2+2",
        contact="张\x07三",
    )
    [row] = export_rows(client, people.caseworker_a)
    for header, text in [
        ("工作单位", "'=1+1"),
        ("备注", "'@SUM(A1:A2)"),
        ("技术特长", "'+1-2"),
        ("思想状况", "'-3"),
        ("家庭状况", "'\t=cmd|' /C calc'!A0"),
        ("联系人", "张\N{REPLACEMENT CHARACTER}三"),
    ]:
        assert row[header].value == text, header
        assert row[header].data_type == "s", header
    assert row["就业要求"].data_type == "s"
    assert not [cell for cell in row.values() if cell.data_type == "f"]


def test_safe_text_leaves_ordinary_text_alone():
    assert safe_text("县纺织厂") == "县纺织厂"
    assert safe_text("1+1=2") == "1+1=2"
    assert safe_text('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'


def test_a_caseworker_exports_none_of_another_unions_files(client, people):
    mine = household_for(people.union_b)
    household_for(people.union_a)
    household_for(people.union_a)
    rows = export_rows(client, people.caseworker_b)
    assert [row["档案编号"].value for row in rows] == [mine.file_number]
    # naming the other union in the filter is refused, not quietly widened to their own
    client.force_login(people.caseworker_b)
    refused = client.get(reverse("households:export"), {"union": people.union_a.pk})
    assert refused.status_code == 302
    assert refused["Location"].startswith(reverse("households:list"))


def test_county_staff_export_every_union_and_the_filters_apply(client, people):
    household_for(people.union_a)
    exited = household_for(people.union_b)
    Household.objects.filter(pk=exited.pk).update(status=Status.EXITED)
    assert len(export_rows(client, people.auditor)) == 2
    rows = export_rows(client, people.finance, status=Status.EXITED)
    assert [row["档案编号"].value for row in rows] == [exited.file_number]
    assert rows[0]["状态"].value == "已脱困"
    rows = export_rows(client, people.supervisor, union=people.union_a.pk)
    assert [row["所属工会"].value for row in rows] == ["甲厂工会"]


def test_an_exported_list_imports_back_unchanged(client, people, tmp_path):
    first = household_for(people.union_a, work_unit="县纺织厂", causes=[Cause.ILLNESS])
    household_for(people.union_a, skills="电工")
    services.household_update(actor=None, household=first, notes="已走访")
    client.force_login(people.caseworker_a)
    response = client.get(reverse("households:export"))
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"".join(response.streaming_content))

    plan = import_households(path, actor=people.caseworker_a, union=people.union_a)

    assert plan.errors == []
    assert plan.counts["unchanged"] == 2
    assert plan.counts["create"] == plan.counts["update"] == 0


def test_a_large_export_is_built_as_a_report_job_of_the_same_search(
    client, people, settings, django_capture_on_commit_callbacks
):
    """Above settings.REPORT_WEB_ROWS the request asks for a report job (never a 30 s wait) and
    the job's file holds exactly what the direct export of that search holds."""
    from reports.models import JobState, ReportJob

    for name in ("张一", "张二", "李三"):
        household_for(people.union_a, actor=people.caseworker_a, name=name)
    household_for(people.union_b, actor=people.caseworker_b, name="张四")
    direct = export_rows(client, people.caseworker_a, q="张")
    settings.REPORT_WEB_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("households:export"), {"q": "张"})
    assert response.status_code == 302 and response.url.startswith(reverse("reports:index"))
    job = ReportJob.objects.get(kind="households")
    assert job.state == JobState.SUCCEEDED and job.requested_by == people.caseworker_a
    assert job.params == {"filters": {"q": ["张"]}}
    sheet = load_workbook(job.file.open("rb")).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()][1:]
    assert sorted(row[1] for row in rows) == sorted(row["姓名"].value for row in direct)
    assert {row[1] for row in rows} == {"张一", "张二"}
