"""Browser journey: a caseworker creates, finds (by pinyin initials), classifies, documents and
visits a household; a supervisor sees why it has its category and what a new standard changes.
Screenshots: test-artifacts/journey/household-*.png."""

import re

import pytest
from playwright.sync_api import Page, expect

from cases.models import Application
from helpcenter.demo import DemoPeople
from households.models import Document, Household, Visit
from tests.browser import (  # noqa: F401  (fixtures)
    allow_orm_beside_playwright,
    browser_type_launch_args,
    log_in,
    no_axe_violations,
    no_csp_violations,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_a_file_is_entered_then_found_classified_documented_and_visited(
    page: Page, live_server, registry
):
    # A supervisor enters a file approved on paper (new files come through 申请审批: see
    # test_journey_notice.py); the caseworker of its union then works with it.
    number = DemoPeople(seed=77).resident_id()
    log_in(page, live_server.url, "supervisor")
    page.get_by_test_id("main-nav").get_by_role("link", name="困难职工档案").click()
    page.get_by_role("link", name="录入已审批档案").click()

    page.get_by_label("工会").select_option(label="甲厂工会")
    page.get_by_label("职工姓名").fill("王小明")
    page.get_by_label("职工身份证号").fill(f" {number[:6]} {number[6:14]} {number[14:].lower()} ")
    page.get_by_label("就业状况").select_option(label="待岗")
    page.get_by_label("家庭人口").fill("3")
    page.get_by_label("家庭月总收入（元）").fill("1,200.00")
    page.get_by_label("住房情况").select_option(label="租房")
    page.get_by_label("因病").check()
    page.get_by_label("家庭状况").fill("妻子患尿毒症，每周透析三次，孩子上初中")
    shot(page, "household-1-register")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("王小明")
    expect(page.get_by_test_id("head-id")).to_have_text(f"{number[:6]}********{number[-4:]}")
    page.get_by_test_id("reveal-ids").click()
    expect(page.get_by_test_id("head-id")).to_have_text(number)
    household = Household.objects.get(head__id_number=number)
    assert household.union == registry.union_a

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    log_in(page, live_server.url, "caseworker_a")
    page.get_by_test_id("main-nav").get_by_role("link", name="困难职工档案").click()
    page.get_by_label("姓名、拼音首字母").fill("wxm")
    page.get_by_role("button", name="查询").click()
    table = page.get_by_test_id("household-table")
    expect(table).to_contain_text("王小明")
    expect(table).to_contain_text(f"{number[:6]}********{number[-4:]}")
    expect(table).not_to_contain_text(number)
    shot(page, "household-2-found-by-initials")
    table.get_by_role("link", name=household.file_number).click()

    page.get_by_role("link", name="困难认定").click()
    expect(page.get_by_test_id("suggestion")).to_contain_text("低保边缘户")
    expect(page.get_by_test_id("suggestion")).to_contain_text("570.00")
    shot(page, "household-3-means-test")
    page.get_by_role("button", name="确认").click()
    expect(page.get_by_test_id("category")).to_contain_text("低保边缘户")

    page.get_by_role("tab", name="证明材料").click()
    expect(page.get_by_test_id("checklist")).to_contain_text("诊断书")
    page.get_by_label("材料类型").select_option(label="诊断书")
    page.get_by_label("文件（PDF、JPEG 或 PNG）").set_input_files(
        {"name": "诊断书.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="上传").click()
    expect(page.get_by_test_id("checklist")).to_contain_text("诊断书.pdf")
    expect(page.get_by_test_id("checklist")).to_be_visible()
    shot(page, "household-4-documents")
    assert Document.objects.filter(household=household).count() == 1

    page.get_by_role("tab", name="走访记录").click()
    page.get_by_role("link", name="记录走访").click()
    page.get_by_label("走访人").fill("刘主席、张干事")
    page.get_by_label("走访情况").fill("妻子透析费用压力大，孩子成绩良好")
    page.get_by_label("送达物资或慰问金").fill("慰问金1000元、大米一袋")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("visit-list")).to_contain_text("刘主席、张干事")
    assert Visit.objects.filter(household=household).count() == 1

    page.get_by_role("tab", name="变更记录").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("记录走访")
    expect(page.get_by_test_id("timeline")).to_contain_text("困难认定")
    expect(page.get_by_test_id("timeline")).to_be_visible()
    shot(page, "household-5-timeline")


def test_a_supervisor_sees_why_and_what_a_new_standard_would_change(
    page: Page, live_server, registry
):
    from households import services

    services.household_classify(actor=registry.caseworker_a, household=registry.household_a)
    log_in(page, live_server.url, "supervisor")
    page.goto(f"{live_server.url}/households/{registry.household_a.pk}/")
    page.get_by_role("tab", name="收入与认定").click()
    expect(page.get_by_test_id("classification")).to_contain_text("低保标准 570.00 元/人·月")
    expect(page.get_by_test_id("classification")).to_be_visible()
    shot(page, "household-6-why")
    page.goto(f"{live_server.url}/households/standard-impact/")
    page.get_by_label("新低保标准").fill("300")
    page.get_by_label("生效日期").fill("2027-01-01")
    page.get_by_role("button", name="测算").click()
    expect(page.get_by_test_id("impact-table")).to_contain_text("张三")
    shot(page, "household-7-impact")


def test_a_messy_workbook_is_refused_whole_then_imports_when_fixed(
    page: Page, live_server, registry, tmp_path
):
    from tests.test_household_import import household_row, write_workbook, wrong_check_digit

    people = DemoPeople(seed=88)
    good, bad = people.resident_id(), people.resident_id()
    rows = [
        household_row(
            good.translate(str.maketrans("0123456789X", "０１２３４５６７８９ｘ")), name="陈淼"
        ),
        household_row(wrong_check_digit(bad), name="周堃", 家庭月总收入="1,000.00元"),
    ]
    messy = tmp_path / "清河县困难职工花名册.xlsx"
    write_workbook(messy, rows, title="2026年困难职工花名册")
    before = Household.objects.count()

    log_in(page, live_server.url, "caseworker_a")
    page.goto(f"{live_server.url}/households/import/")
    page.get_by_test_id("import-form").locator("input[type=file]").set_input_files(messy)
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_test_id("count-errors")).to_have_text("1")
    expect(page.get_by_test_id("import-errors")).to_contain_text("户信息4身份证号")
    expect(page.get_by_test_id("import-errors")).to_contain_text("身份证号")
    expect(page.get_by_test_id("import-confirm")).to_have_count(0)
    shot(page, "household-8-import-refused")
    assert Household.objects.count() == before

    rows[1] = household_row(bad, name="周堃", 家庭月总收入="1,000.00元")
    fixed = tmp_path / "fixed.xlsx"
    write_workbook(fixed, rows, title="2026年困难职工花名册")
    page.goto(f"{live_server.url}/households/import/")
    page.get_by_test_id("import-form").locator("input[type=file]").set_input_files(fixed)
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_test_id("count-create")).to_have_text("2")
    # A caseworker's new families go through the workflow: registration applications, not files.
    expect(page.get_by_test_id("import-mode")).to_contain_text("将生成 2 份建档申请")
    shot(page, "household-9-import-preview")
    page.get_by_test_id("import-confirm").get_by_role("button").click()
    expect(page.get_by_test_id("application-table")).to_contain_text("周堃")
    expect(page.get_by_test_id("application-table")).to_contain_text("陈淼")
    assert Household.objects.count() == before
    assert (
        Application.objects.filter(applicant_name__in=["周堃", "陈淼"], state="draft").count() == 2
    )


def test_a_search_typed_in_is_announced_and_kept_in_the_address(page: Page, live_server, registry):
    # The county's supervisor sees 张三 (union A) and 李四 (union B).
    log_in(page, live_server.url, "supervisor")
    page.goto(f"{live_server.url}/households/")
    count = page.get_by_test_id("household-count")
    expect(count).to_have_attribute("role", "status")
    expect(count).to_have_text("共 2 户符合条件。")

    page.get_by_label("姓名、拼音首字母").press_sequentially("zs")  # htmx searches as one types
    expect(count).to_have_text("共 1 户符合条件。")
    table = page.get_by_test_id("household-table")
    expect(table).to_contain_text("张三")
    expect(table).not_to_contain_text("李四")
    expect(page).to_have_url(re.compile(r"/households/\?.*q=zs"))
    shot(page, "household-search-announced")

    page.reload()  # a reload or a bookmark keeps the search
    expect(page.get_by_label("姓名、拼音首字母")).to_have_value("zs")
    expect(count).to_have_text("共 1 户符合条件。")
    page.get_by_label("姓名、拼音首字母").clear()
    page.get_by_label("姓名、拼音首字母").press_sequentially("ls")
    expect(count).to_have_text("共 1 户符合条件。")
    expect(table).to_contain_text("李四")

    page.go_back()  # back to the search before, asked of the server again
    expect(page).to_have_url(re.compile(r"q=zs"))
    expect(page.get_by_test_id("household-table")).to_contain_text("张三")
    expect(page.get_by_test_id("household-table")).not_to_contain_text("李四")
    expect(page.get_by_label("姓名、拼音首字母")).to_have_value("zs")
