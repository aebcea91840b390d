"""Importing household files from Excel (households/importing.py, workbook.py, views_import.py):
messy county spreadsheets are read, every error names its sheet, row and column, a refused
import saves nothing, a second import of the same file duplicates nothing, and changes are
recorded in each file's timeline.

Files are created here by a supervisor entering files approved on paper (`enter_approved`); what
a caseworker's import of new families files instead (registration applications) is in
tests/test_import_workflow.py."""

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from cases.models import Application, Kind
from helpcenter.demo import DemoPeople
from households import importing, services
from households.choices import Cause, Employment, Health, Housing, Relation, SchoolStage
from households.importing import import_households, plan_import
from households.models import Category, EventAction, Household, HouseholdEvent, Member
from households.services import MemberData
from households.workbook import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS
from tests.factories import household_for

pytestmark = pytest.mark.django_db

HOUSEHOLD_HEADERS = [
    "档案编号",
    "姓名",
    "身份证号",
    "联系电话",
    "工作单位",
    "所属工会",
    "就业状况",
    "是否农民工",
    "家庭人口",
    "家庭月总收入",
    "住房情况",
    "困难类别",
    "致困原因",
    "帮扶责任人",
    "联系人",
    "家庭状况",
    "技术特长",
    "就业要求",
    "思想状况",
    "备注",
    "建档日期",
]
MEMBER_HEADERS = [
    "户主身份证号",
    "姓名",
    "身份证号",
    "与户主关系",
    "健康状况",
    "残疾等级",
    "就学阶段",
    "就业情况",
    "月收入",
]
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def write_workbook(path, households, members=(), *, title=None, member_title=None):
    """A workbook like a county's: rows are dicts keyed by header; a title row if asked."""
    book = Workbook()
    sheet = book.active
    sheet.title = "户信息"
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HOUSEHOLD_HEADERS))
    sheet.append(HOUSEHOLD_HEADERS)
    for row in households:
        sheet.append([row.get(header) for header in HOUSEHOLD_HEADERS])
    if members:
        member_sheet = book.create_sheet("家庭成员")
        if member_title:
            member_sheet.append([member_title])
            member_sheet.merge_cells("A1:I1")
        member_sheet.append(MEMBER_HEADERS)
        for row in members:
            member_sheet.append([row.get(header) for header in MEMBER_HEADERS])
    book.save(path)
    return path


def household_row(id_number, name="张伟", **values):
    row = {
        "姓名": name,
        "身份证号": id_number,
        "就业状况": "待岗",
        "家庭月总收入": "1500",
        "住房情况": "租房",
    }
    row.update(values)
    return row


def wrong_check_digit(number: str) -> str:
    return number[:-1] + ("1" if number[-1] == "0" else "0")


def counts() -> tuple[int, int, int]:
    return Household.objects.count(), Member.objects.count(), HouseholdEvent.objects.count()


def id_ending_in_x(people: DemoPeople) -> str:
    while True:
        number = people.resident_id()
        if number.endswith("X"):
            return number


@pytest.fixture
def ids():
    return DemoPeople(seed=4242)


def enter_approved(path, people, union=None, **arguments):
    """A supervisor enters files approved on paper: the import that creates files."""
    return import_households(
        path,
        actor=people.supervisor,
        union=union or people.union_a,
        register_directly=True,
        **arguments,
    )


# --- A messy county spreadsheet -------------------------------------------------------------


def test_a_messy_county_spreadsheet_is_registered(people, ids, tmp_path):
    head_a, spouse_a, child_a = id_ending_in_x(ids), ids.resident_id(), ids.resident_id()
    head_b = ids.resident_id()
    path = write_workbook(
        tmp_path / "县总困难职工.xlsx",
        [
            household_row(
                f" {head_a[:6]} {head_a[6:14]} {head_a[14:]}".lower(),  # spaces, lowercase x
                name="张  伟",
                联系电话=13800138000,
                工作单位="  县纺织厂 ",
                就业状况=" 在岗 ",
                是否农民工="√",
                家庭人口="3人",
                家庭月总收入="1,000.00",
                住房情况="公租房",
                困难类别="低保边缘户",
                致困原因="因病、因学,单亲，失业",
                帮扶责任人="李明",
                建档日期=datetime(2024, 3, 15),
            ),
            {},  # an empty row between households
            household_row(
                head_b.translate(FULL_WIDTH),  # full-width digits
                name="李娜",
                是否农民工="否",
                家庭月总收入="1000元",
                建档日期="2024年5月6日",
                所属工会="乙镇工会",
            ),
            {"姓名": None, "身份证号": None, "备注": "填表人：王会计"},  # a footer line
        ],
        [
            {
                "户主身份证号": head_a,
                "姓名": "王芳",
                "身份证号": spouse_a,
                "与户主关系": "妻子",
                "健康状况": "残疾",
                "残疾等级": "二级",
                "月收入": "500元",
            },
            {
                "户主身份证号": head_a,
                "姓名": "张小明",
                "身份证号": child_a,
                "与户主关系": "子女",
                "就学阶段": "高中",
            },
            {
                "户主身份证号": head_a.lower(),
                "姓名": "张伟",
                "身份证号": head_a.lower(),
                "与户主关系": "户主本人",
                "健康状况": "慢性病",
            },
        ],
        title="某县困难职工家庭基本情况登记表（2024年）",
        member_title="家庭成员情况",
    )

    plan = enter_approved(path, people, source_name="县总困难职工.xlsx")

    assert plan.errors == []
    assert plan.counts["create"] == 2 and plan.applied
    first = Member.objects.get(id_number=head_a).household
    assert first.head.name == "张伟"
    assert first.head.health == Health.CHRONIC
    assert first.union == people.union_a
    assert first.phone == "13800138000"
    assert first.work_unit == "县纺织厂"
    assert first.employment == Employment.EMPLOYED
    assert first.is_migrant_worker is True
    assert first.size == 3
    assert first.monthly_income == Decimal("1000.00")
    assert first.housing == Housing.PUBLIC_RENTAL
    assert first.category == Category.NEAR_SUBSISTENCE
    assert first.causes == [Cause.ILLNESS, Cause.EDUCATION, Cause.SINGLE_PARENT, Cause.JOB_LOSS]
    assert first.registered_on == date(2024, 3, 15)
    assert first.file_number == "1301-2024-00001"
    spouse = first.members.get(id_number=spouse_a)
    assert (spouse.relation, spouse.health, spouse.disability_level) == (
        Relation.SPOUSE,
        Health.DISABLED,
        2,
    )
    assert spouse.monthly_income == Decimal("500.00")
    assert first.members.get(id_number=child_a).school_stage == SchoolStage.HIGH_SCHOOL
    second = Member.objects.get(id_number=head_b).household
    assert second.union == people.union_b
    assert second.registered_on == date(2024, 5, 6)
    assert second.size == 1 and second.monthly_income == Decimal("1000.00")
    assert second.is_migrant_worker is False
    event = first.events.get()
    assert event.action == EventAction.IMPORT_CREATED
    assert event.actor == people.supervisor


def test_file_numbers_continue_after_the_highest_in_use(people, ids, tmp_path):
    household_for(people.union_a, registered_on=date(2025, 1, 2))
    path = write_workbook(
        tmp_path / "a.xlsx",
        [
            household_row(ids.resident_id(), 建档日期="2025-02-01"),
            household_row(ids.resident_id(), 档案编号="1301-2025-00007", 建档日期="2025-02-01"),
            household_row(ids.resident_id(), 建档日期="2025-02-01"),
        ],
    )
    enter_approved(path, people)
    numbers = sorted(Household.objects.values_list("file_number", flat=True))
    assert numbers == ["1301-2025-00001", "1301-2025-00007", "1301-2025-00008", "1301-2025-00009"]


def test_an_excel_serial_date_and_text_ids_are_read(people, ids, tmp_path):
    head = ids.resident_id()
    path = write_workbook(tmp_path / "a.xlsx", [household_row(f"'{head}", 建档日期=45292)])
    enter_approved(path, people)
    assert Member.objects.get(id_number=head).household.registered_on == date(2024, 1, 1)


# --- Refusals -------------------------------------------------------------------------------


def test_an_id_excel_turned_into_a_number_is_refused_and_nothing_is_saved(people, ids, tmp_path):
    household_for(people.union_a)
    before = counts()
    path = write_workbook(
        tmp_path / "a.xlsx",
        [household_row(ids.resident_id()), household_row(1.10105199001011e17, name="李娜")],
        title="困难职工登记表",
    )

    with translation.override("en"):
        plan = import_households(path, actor=people.caseworker_a, union=people.union_a)

    assert counts() == before
    assert not plan.applied
    [error] = plan.errors
    assert (error.sheet, error.row, error.column) == ("户信息", 4, "身份证号")
    assert "1.10105199001011e+17" in error.message
    assert "turned into a number by Excel" in error.message
    assert "Format the column as text" in error.message


def test_an_18_digit_number_cell_is_an_excel_number_too(people, ids, tmp_path):
    path = write_workbook(tmp_path / "a.xlsx", [household_row(int(ids.resident_id()[:17] + "1"))])
    with translation.override("en"):
        plan = plan_import(path, actor=people.caseworker_a, union=people.union_a)
    assert "turned into a number by Excel" in plan.errors[0].message


def test_every_error_names_its_sheet_row_and_column(people, ids, tmp_path):
    head = ids.resident_id()
    path = write_workbook(
        tmp_path / "a.xlsx",
        [
            household_row(ids.resident_id(), 就业状况="打零工"),
            household_row(ids.resident_id(), 家庭月总收入="-100"),
            household_row(wrong_check_digit(ids.resident_id()), name="王五"),
            household_row(head, 家庭人口=1),
            household_row(ids.resident_id(), name=None),
            household_row(ids.resident_id(), 住房情况=None),
        ],
        [
            {
                "户主身份证号": head,
                "姓名": "王芳",
                "身份证号": ids.resident_id(),
                "与户主关系": "配偶",
                "残疾等级": "五级",
            },
            {"户主身份证号": head, "姓名": "张三", "身份证号": ids.resident_id()},
        ],
        title="登记表",
    )
    before = counts()

    plan = import_households(path, actor=people.caseworker_a, union=people.union_a)

    assert counts() == before
    places = {(e.sheet, e.row, e.column) for e in plan.errors}
    assert ("户信息", 3, "就业状况") in places
    assert ("户信息", 4, "家庭月总收入") in places
    assert ("户信息", 5, "身份证号") in places
    assert ("户信息", 7, "姓名") in places
    assert ("户信息", 8, "住房情况") in places
    assert ("家庭成员", 2, "残疾等级") in places
    assert ("家庭成员", 3, "与户主关系") in places
    for error in plan.errors:
        text = str(error)
        assert error.sheet in text and error.column in text and str(error.row) in text


def test_the_error_for_a_wrong_choice_lists_the_words_allowed(people, ids, tmp_path):
    path = write_workbook(
        tmp_path / "a.xlsx", [household_row(ids.resident_id(), 就业状况="打零工")]
    )
    [error] = plan_import(path, actor=people.caseworker_a, union=people.union_a).errors
    assert "在岗、内退、待岗、离退休、失业" in error.message
    assert "打零工" in error.message


def test_the_household_size_may_not_be_smaller_than_the_people_listed(people, ids, tmp_path):
    head = ids.resident_id()
    path = write_workbook(
        tmp_path / "a.xlsx",
        [household_row(head, 家庭人口=1)],
        [
            {
                "户主身份证号": head,
                "姓名": "王芳",
                "身份证号": ids.resident_id(),
                "与户主关系": "配偶",
            }
        ],
    )
    [error] = plan_import(path, actor=people.caseworker_a, union=people.union_a).errors
    assert (error.sheet, error.row, error.column) == ("户信息", 2, "家庭人口")


def test_a_person_twice_in_the_file_is_refused(people, ids, tmp_path):
    head, other = ids.resident_id(), ids.resident_id()
    path = write_workbook(
        tmp_path / "a.xlsx",
        [household_row(head), household_row(other, name="李娜")],
        [{"户主身份证号": other, "姓名": "张伟", "身份证号": head, "与户主关系": "配偶"}],
    )
    [error] = plan_import(path, actor=people.caseworker_a, union=people.union_a).errors
    assert (error.sheet, error.row, error.column) == ("家庭成员", 2, "身份证号")
    assert "户信息" in error.message and "2" in error.message


def test_a_person_registered_in_another_file_is_refused(people, ids, tmp_path):
    existing = household_for(people.union_a, members=[])
    spouse = ids.resident_id()
    services.member_add(
        actor=None,
        household=existing,
        data=MemberData(name="王芳", id_number=spouse, relation=Relation.SPOUSE),
    )
    path = write_workbook(tmp_path / "a.xlsx", [household_row(spouse, name="王芳")])
    before = counts()
    plan = import_households(path, actor=people.caseworker_a, union=people.union_a)
    assert counts() == before
    [error] = plan.errors
    assert error.column == "身份证号" and existing.file_number in error.message


def test_a_conflict_while_saving_rolls_back_the_whole_import(people, ids, tmp_path):
    existing = household_for(people.union_a)
    spouse = ids.resident_id()
    path = write_workbook(
        tmp_path / "a.xlsx",
        [
            household_row(ids.resident_id()),
            household_row(existing.head.id_number, name=existing.head.name, 工作单位="新单位"),
        ],
        [
            {
                "户主身份证号": existing.head.id_number,
                "姓名": "王芳",
                "身份证号": spouse,
                "与户主关系": "配偶",
            }
        ],
    )
    plan = plan_import(path, actor=people.caseworker_a, union=people.union_a)
    assert plan.errors == []
    # Between the preview and the confirm, someone registers the spouse in another file.
    wife = MemberData(name="王芳", id_number=spouse, relation=Relation.SPOUSE)
    household_for(people.union_b, members=[wife])
    before = counts()

    with pytest.raises(importing.ImportFailed):
        importing.apply_import(plan, actor=people.caseworker_a)

    assert counts() == before
    existing.refresh_from_db()
    assert existing.work_unit != "新单位"


# --- Importing again ------------------------------------------------------------------------


def test_importing_the_same_file_again_updates_and_never_duplicates(people, ids, tmp_path):
    head = ids.resident_id()
    rows = [household_row(head, 家庭月总收入="1,000.00", 致困原因="因病")]
    members = [
        {"户主身份证号": head, "姓名": "王芳", "身份证号": ids.resident_id(), "与户主关系": "配偶"}
    ]
    path = write_workbook(tmp_path / "a.xlsx", rows, members)
    enter_approved(path, people)
    before = counts()

    plan = import_households(path, actor=people.caseworker_a, union=people.union_a)

    assert (plan.counts["create"], plan.counts["update"], plan.counts["unchanged"]) == (0, 0, 1)
    assert plan.errors == [] and plan.applied
    assert counts() == before


def test_a_changed_value_is_updated_and_recorded_before_and_after(people, ids, tmp_path):
    head, spouse, child = ids.resident_id(), ids.resident_id(), ids.resident_id()
    rows = [household_row(head, 工作单位="县纺织厂", 家庭月总收入="1000", 家庭人口=3)]
    members = [{"户主身份证号": head, "姓名": "王芳", "身份证号": spouse, "与户主关系": "配偶"}]
    enter_approved(write_workbook(tmp_path / "a.xlsx", rows, members), people)
    household = Member.objects.get(id_number=head).household
    rows[0].update(工作单位="县机械厂", 家庭月总收入="1,200.50元")
    members[0]["健康状况"] = "大病"
    members.append({"户主身份证号": head, "姓名": "张小明", "身份证号": child, "与户主关系": "子"})

    plan = import_households(
        write_workbook(tmp_path / "b.xlsx", rows, members),
        actor=people.caseworker_a,
        union=people.union_a,
    )

    assert plan.counts["update"] == 1 and plan.applied
    household.refresh_from_db()
    assert household.work_unit == "县机械厂"
    assert household.monthly_income == Decimal("1200.50")
    assert household.members.get(id_number=spouse).health == Health.SERIOUS_ILLNESS
    assert household.members.get(id_number=child).relation == Relation.CHILD
    assert Household.objects.count() == 1
    imported = household.events.filter(action=EventAction.IMPORTED).order_by("id").last()
    assert imported.actor == people.caseworker_a
    assert ["1000.00", "1200.50"] in imported.changes.values()
    assert ["县纺织厂", "县机械厂"] in imported.changes.values()
    actions = set(household.events.values_list("action", flat=True))
    assert {EventAction.MEMBER_ADDED, EventAction.MEMBER_CHANGED} <= actions


def test_a_file_is_matched_by_its_file_number(people, ids, tmp_path):
    existing = household_for(people.union_a, work_unit="旧单位")
    path = write_workbook(
        tmp_path / "a.xlsx",
        [
            household_row(
                existing.head.id_number,
                name=existing.head.name,
                档案编号=existing.file_number,
                工作单位="新单位",
            )
        ],
    )
    plan = import_households(path, actor=people.caseworker_a, union=people.union_a)
    assert plan.counts["update"] == 1
    existing.refresh_from_db()
    assert existing.work_unit == "新单位"


def test_a_file_number_with_another_head_is_refused(people, ids, tmp_path):
    existing = household_for(people.union_a)
    path = write_workbook(
        tmp_path / "a.xlsx", [household_row(ids.resident_id(), 档案编号=existing.file_number)]
    )
    [error] = plan_import(path, actor=people.caseworker_a, union=people.union_a).errors
    assert error.column == "身份证号" and existing.file_number in error.message


def test_empty_cells_leave_stored_values_and_the_category_is_not_changed(people, ids, tmp_path):
    existing = household_for(people.union_a, skills="电工", category=Category.SUBSISTENCE)
    path = write_workbook(
        tmp_path / "a.xlsx",
        [
            {
                "姓名": existing.head.name,
                "身份证号": existing.head.id_number,
                "困难类别": "意外致困户",
                "技术特长": None,
            }
        ],
    )
    plan = import_households(path, actor=people.caseworker_a, union=people.union_a)
    assert plan.counts["unchanged"] == 1
    assert any("意外致困户" in note for note in plan.notes)
    existing.refresh_from_db()
    assert (existing.skills, existing.category) == ("电工", Category.SUBSISTENCE)


def test_members_of_a_registered_file_can_be_imported_alone(people, ids, tmp_path):
    existing = household_for(people.union_a, size=1)
    spouse, child = ids.resident_id(), ids.resident_id()
    path = write_workbook(
        tmp_path / "a.xlsx",
        [],
        [
            {
                "户主身份证号": existing.head.id_number,
                "姓名": "王芳",
                "身份证号": spouse,
                "与户主关系": "配偶",
                "健康状况": "大病",
            },
            {
                "户主身份证号": existing.head.id_number,
                "姓名": "张小红",
                "身份证号": child,
                "与户主关系": "女儿",
            },
        ],
    )
    plan = import_households(path, actor=people.caseworker_a, union=people.union_a)
    assert plan.counts["update"] == 1
    existing.refresh_from_db()
    assert existing.members.count() == 3
    assert existing.size == 3  # the size grows with the people, as member_add does
    added = existing.events.filter(action=EventAction.MEMBER_ADDED)
    assert sorted(event.note.split("（")[0] for event in added) == ["张小红", "王芳"]
    assert [1, 3] in existing.events.get(action=EventAction.IMPORTED).changes.values()
    assert existing.members.get(id_number=spouse).name_initials == "wf"

    plan = import_households(path, actor=people.caseworker_a, union=people.union_a)
    assert plan.counts["unchanged"] == 1


# --- Who may import what --------------------------------------------------------------------


def test_a_caseworker_cannot_import_into_another_union(people, ids, tmp_path):
    path = write_workbook(tmp_path / "a.xlsx", [household_row(ids.resident_id(), 所属工会="1301")])
    before = counts()
    plan = import_households(path, actor=people.caseworker_b, union=people.union_b)
    assert counts() == before
    [error] = plan.errors
    assert (error.sheet, error.row, error.column) == ("户信息", 2, "所属工会")
    assert "1301" in error.message


def test_a_caseworker_cannot_update_another_unions_file(people, tmp_path):
    theirs = household_for(people.union_a, work_unit="甲厂")
    path = write_workbook(
        tmp_path / "a.xlsx",
        [household_row(theirs.head.id_number, name=theirs.head.name, 工作单位="乙镇")],
    )
    plan = import_households(path, actor=people.caseworker_b, union=people.union_b)
    [error] = plan.errors
    assert error.column == "身份证号"
    assert theirs.file_number not in error.message and theirs.head.name not in error.message
    theirs.refresh_from_db()
    assert theirs.work_unit == "甲厂"


def test_a_caseworker_cannot_name_another_unions_file_number(people, ids, tmp_path):
    theirs = household_for(people.union_a)
    path = write_workbook(
        tmp_path / "a.xlsx", [household_row(ids.resident_id(), 档案编号=theirs.file_number)]
    )
    [error] = plan_import(path, actor=people.caseworker_b, union=people.union_b).errors
    assert error.column == "档案编号"


def test_a_union_is_found_by_code_or_name(people, ids, tmp_path):
    path = write_workbook(
        tmp_path / "a.xlsx",
        [
            household_row(ids.resident_id(), 所属工会="1302"),
            household_row(ids.resident_id(), 所属工会="乙镇工会"),
            household_row(ids.resident_id(), 所属工会="1302 乙镇工会"),
        ],
    )
    plan = enter_approved(path, people)
    assert plan.errors == []
    assert Household.objects.filter(union=people.union_b).count() == 3


# --- The template ---------------------------------------------------------------------------


def test_the_template_has_the_sheets_headers_drop_downs_and_text_id_columns(client, people):
    client.force_login(people.caseworker_a)
    response = client.get(reverse("households:import_template"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames[:3] == ["户信息", "家庭成员", "填写说明"]
    households, members = book["户信息"], book["家庭成员"]
    assert [c.value for c in households[1]] == [c.header for c in HOUSEHOLD_COLUMNS]
    assert [c.value for c in members[1]] == [c.header for c in MEMBER_COLUMNS]
    assert all(cell.font.bold for cell in households[1])
    for sheet in (households, members):  # no example row in the data sheets
        assert all(v is None for row in sheet.iter_rows(min_row=2, values_only=True) for v in row)
    validated = {
        households.cell(row=1, column=next(iter(dv.sqref.ranges)).min_col).value: dv
        for dv in households.data_validations.dataValidation
    }
    assert {"就业状况", "住房情况", "困难类别", "致困原因", "所属工会", "是否农民工"} <= set(
        validated
    )
    lists = book["选项"]
    assert lists.sheet_state == "hidden"
    employment = validated["就业状况"].formula1
    column = employment.split("!")[1].split(":")[0].replace("$", "")[0]
    words = [c.value for c in lists[column][1:] if c.value]
    assert words == ["在岗", "内退", "待岗", "离退休", "失业"]
    assert validated["就业状况"].showErrorMessage  # a word not in the list is refused
    union_column = validated["所属工会"].formula1.split("!")[1][1]
    assert [c.value for c in lists[union_column][1:] if c.value] == ["甲厂工会"]
    assert households.column_dimensions["C"].number_format == "@"  # 身份证号 is text
    assert members.column_dimensions["A"].number_format == "@"
    assert members.column_dimensions["C"].number_format == "@"
    instructions = [row for row in book["填写说明"].iter_rows(values_only=True)]
    assert any("11010519491231002X" in str(value) for row in instructions for value in row)


def test_a_filled_in_template_imports(client, people, ids, tmp_path):
    client.force_login(people.caseworker_a)
    book = load_workbook(BytesIO(client.get(reverse("households:import_template")).content))
    head = ids.resident_id()
    household = {
        "姓名": "张伟",
        "身份证号": head,
        "就业状况": "失业",
        "是否农民工": "否",
        "家庭人口": 2,
        "家庭月总收入": 800,
        "住房情况": "自有住房",
    }
    member = {
        "户主身份证号": head,
        "姓名": "张小红",
        "身份证号": ids.resident_id(),
        "与户主关系": "女儿",
        "健康状况": "健康",
    }
    for sheet, row in ((book["户信息"], household), (book["家庭成员"], member)):
        sheet.append([row.get(cell.value) for cell in sheet[1]])
    book.save(tmp_path / "filled.xlsx")
    plan = import_households(
        tmp_path / "filled.xlsx", actor=people.caseworker_a, union=people.union_a
    )
    assert plan.errors == [] and plan.counts["create"] == 1
    application = Application.objects.get(kind=Kind.REGISTRATION)
    assert application.proposal["head"]["id_number"] == head
    assert [m["relation"] for m in application.proposal["members"]] == [Relation.CHILD]


def test_a_file_that_is_not_a_workbook_is_one_clear_error(people, tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    [error] = plan_import(path, actor=people.caseworker_a, union=people.union_a).errors
    assert error.row is None


# --- The web flow ---------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(client, path, **data):
    with open(path, "rb") as stream:
        return client.post(reverse("households:import"), {"file": stream, **data})


def test_the_preview_shows_what_will_happen_and_the_confirm_saves_it(
    client, people, ids, media, tmp_path
):
    existing = household_for(people.union_a, work_unit="旧单位")
    path = write_workbook(
        tmp_path / "县总.xlsx",
        [
            household_row(ids.resident_id()),
            household_row(ids.resident_id(), name="李娜"),
            household_row(existing.head.id_number, name=existing.head.name, 工作单位="新单位"),
        ],
    )
    client.force_login(people.caseworker_a)
    assert client.get(reverse("households:import")).status_code == 200

    response = upload(client, path)
    assert response.status_code == 302
    preview_url = response["Location"]
    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    assert (media / "imports" / f"{token}.plan").is_file()  # the plan, made once

    page = client.get(preview_url)
    assert page.status_code == 200
    shown = page.context["counts"]
    assert (shown["create"], shown["update"], shown["errors"]) == (2, 1, 0)
    html = page.content.decode()
    assert 'data-testid="import-confirm"' in html
    assert "工作单位" in html  # the column the update changes
    assert Household.objects.count() == 1  # the preview saves nothing

    response = client.post(preview_url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("cases:application_list"))
    assert Household.objects.count() == 1  # the new families are registration applications
    assert Application.objects.filter(kind=Kind.REGISTRATION).count() == 2
    existing.refresh_from_db()
    assert existing.work_unit == "新单位"
    assert not (media / "imports" / f"{token}.plan").exists()
    assert client.get(preview_url).status_code == 404  # used up


def test_a_preview_with_errors_has_no_confirm_and_a_post_saves_nothing(
    client, people, ids, media, tmp_path
):
    path = write_workbook(tmp_path / "a.xlsx", [household_row(ids.resident_id(), 住房情况="窑洞")])
    client.force_login(people.caseworker_a)
    preview_url = upload(client, path)["Location"]
    page = client.get(preview_url)
    html = page.content.decode()
    assert 'data-testid="import-confirm"' not in html
    assert 'data-testid="import-errors"' in html and "住房情况" in html and "窑洞" in html
    assert client.post(preview_url).status_code == 200
    assert Household.objects.count() == 0


def test_county_staff_choose_the_union_and_grassroots_staff_cannot(
    client, people, ids, media, tmp_path
):
    path = write_workbook(tmp_path / "a.xlsx", [household_row(ids.resident_id())])
    client.force_login(people.county_caseworker)
    form = client.get(reverse("households:import")).context["form"]
    assert [u.code for u in form.fields["union"].queryset] == ["1301", "1302"]
    client.post(upload(client, path, union=people.union_b.pk)["Location"])
    assert Application.objects.get().union == people.union_b

    client.force_login(people.caseworker_a)
    assert "union" not in client.get(reverse("households:import")).context["form"].fields
    path = write_workbook(tmp_path / "b.xlsx", [household_row(ids.resident_id())])
    client.post(upload(client, path, union=people.union_b.pk)["Location"])
    assert Application.objects.filter(union=people.union_a).count() == 1


def test_an_upload_that_is_not_xlsx_is_refused(client, people, media, tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    client.force_login(people.caseworker_a)
    response = upload(client, path)
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


def test_a_preview_token_is_only_its_uploaders(client, people, ids, media, tmp_path):
    path = write_workbook(tmp_path / "a.xlsx", [household_row(ids.resident_id())])
    client.force_login(people.caseworker_a)
    preview_url = upload(client, path)["Location"]
    client.force_login(people.caseworker_b)
    assert client.get(preview_url).status_code == 404
    assert client.get(reverse("households:import_preview", args=["nope"])).status_code == 404


def test_stale_uploads_are_removed(client, people, ids, media, tmp_path, monkeypatch):
    import os
    import time

    stale = media / "imports" / "old.xlsx"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"x")
    os.utime(stale, (time.time() - 2 * 86400,) * 2)
    client.force_login(people.caseworker_a)
    upload(client, write_workbook(tmp_path / "a.xlsx", [household_row(ids.resident_id())]))
    assert not stale.exists()


def test_today_is_the_default_registration_date(people, ids, tmp_path):
    head = ids.resident_id()
    enter_approved(write_workbook(tmp_path / "a.xlsx", [household_row(head)]), people)
    assert Member.objects.get(id_number=head).household.registered_on == timezone.localdate()


def test_the_importable_unions_exclude_the_county_and_other_unions(people):
    assert list(importing.importable_unions(people.caseworker_a)) == [people.union_a]
    assert list(importing.importable_unions(people.supervisor)) == [people.union_a, people.union_b]
    assert list(importing.importable_unions(None)) == [people.union_a, people.union_b]


def test_a_household_row_without_the_cause_column_keeps_causes(people, tmp_path):
    existing = household_for(people.union_a, causes=[Cause.ILLNESS])
    book = Workbook()
    book.active.title = "户信息"
    book.active.append(["姓名", "身份证号", "备注"])
    book.active.append([existing.head.name, existing.head.id_number, "已走访"])
    book.save(tmp_path / "a.xlsx")
    plan = import_households(tmp_path / "a.xlsx", actor=people.caseworker_a, union=people.union_a)
    assert plan.counts["update"] == 1
    existing.refresh_from_db()
    assert (existing.causes, existing.notes) == ([Cause.ILLNESS], "已走访")
