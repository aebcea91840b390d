"""The registry in the browser's terms: list, search, file page, forms, scope."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from helpcenter.demo import DemoPeople
from households import services
from households.choices import Category, Status
from households.models import Document, DocumentType, Household, LivingStandard, PersonalDataRead
from tests.factories import household_for

pytestmark = pytest.mark.django_db


def listed(client, **params) -> list[str]:
    response = client.get(reverse("households:list"), params)
    assert response.status_code == 200
    return [household.file_number for household in response.context["households"]]


def test_a_caseworker_lists_only_their_unions_households(client, registry):
    client.force_login(registry.caseworker_a)
    assert listed(client) == [registry.household_a.file_number]
    client.force_login(registry.supervisor)
    assert sorted(listed(client)) == sorted(
        [registry.household_a.file_number, registry.household_b.file_number]
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [("zs", "a"), ("ZS", "a"), ("张三", "a"), ("李", "b"), ("ls", "b"), ("1302-", "b")],
)
def test_search_by_name_initials_and_file_number(client, registry, query, expected):
    client.force_login(registry.supervisor)
    household = registry.household_a if expected == "a" else registry.household_b
    assert listed(client, q=query) == [household.file_number]


def test_search_by_full_id_or_its_last_digits(client, registry):
    client.force_login(registry.supervisor)
    number = registry.household_b.head.id_number
    assert listed(client, q=number.lower()) == [registry.household_b.file_number]
    assert listed(client, q=number[-6:]) == [registry.household_b.file_number]
    spaced = " ".join([number[:6], number[6:14], number[14:]])
    assert listed(client, q=spaced) == [registry.household_b.file_number]


def test_a_caseworker_cannot_find_another_unions_family_by_id(client, registry):
    client.force_login(registry.caseworker_a)
    assert listed(client, q=registry.household_b.head.id_number) == []


def test_filters_narrow_the_list(client, registry):
    services.household_exit(
        actor=registry.supervisor,
        household=registry.household_b,
        reason="脱困",
        follow_up_on=timezone.localdate() + timedelta(days=30),
    )
    client.force_login(registry.supervisor)
    assert listed(client, status=Status.EXITED) == [registry.household_b.file_number]
    assert listed(client, union=registry.union_a.pk) == [registry.household_a.file_number]
    assert listed(client, cause="illness") != []
    assert listed(client, cause="education") == []


def test_the_list_masks_ids_and_the_file_page_reveals_them_and_logs_the_read(client, registry):
    client.force_login(registry.caseworker_a)
    number = registry.household_a.head.id_number
    page = client.get(reverse("households:list")).content.decode()
    assert number not in page
    assert f"{number[:6]}********{number[-4:]}" in page
    url = reverse("households:detail", args=[registry.household_a.pk])
    assert number not in client.get(url).content.decode()
    detail = client.get(url + "?reveal=ids")
    assert number in detail.content.decode()
    read = PersonalDataRead.objects.get()
    assert (read.reader, read.household) == (registry.caseworker_a, registry.household_a)


def test_the_list_needs_the_same_queries_for_one_or_fifty_rows_and_never_counts(client, registry):
    client.force_login(registry.supervisor)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("households:list"))
    people = DemoPeople(seed=31)
    for _ in range(60):
        household_for(registry.union_a, people=people)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("households:list"))
    assert len(response.context["households"]) == 50
    assert response.context["has_next"]
    assert len(many) == len(few)
    assert not any("COUNT(" in query["sql"].upper() for query in many.captured_queries)


def test_another_unions_file_and_its_documents_are_not_found(client, registry, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    document = services.document_add(
        actor=registry.caseworker_b,
        household=registry.household_b,
        document_type=DocumentType.objects.get(code="id_card"),
        upload=SimpleUploadedFile("id.pdf", b"%PDF-1.4 x", content_type="application/pdf"),
    )
    client.force_login(registry.caseworker_a)
    assert (
        client.get(reverse("households:detail", args=[registry.household_b.pk])).status_code == 404
    )
    url = reverse("households:document", args=[registry.household_b.pk, document.pk])
    assert client.get(url).status_code == 404
    assert (
        client.get(
            reverse("households:document", args=[registry.household_a.pk, document.pk])
        ).status_code
        == 404
    )
    client.force_login(registry.caseworker_b)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 x"


def test_a_supervisor_enters_a_file_approved_on_paper(client, registry):
    client.force_login(registry.supervisor)
    number = DemoPeople(seed=41).resident_id()
    response = client.post(
        reverse("households:create"),
        {
            "union": registry.union_a.pk,
            "head_name": "赵六",
            "head_id_number": number.lower(),
            "head_health": "healthy",
            "employment": "unemployed",
            "size": "2",
            "monthly_income": "1,000.00",
            "housing": "rented",
            "causes": ["job_loss"],
        },
    )
    household = Household.objects.get(head__name="赵六")
    assert response.status_code == 302
    assert response["Location"] == reverse("households:detail", args=[household.pk])
    assert household.union == registry.union_a
    assert household.monthly_income == Decimal("1000.00")
    assert household.head.id_number == number


def test_a_duplicate_person_is_refused_on_the_form_and_nothing_is_saved(client, registry):
    client.force_login(registry.caseworker_b)
    before = Household.objects.count()
    response = client.post(
        reverse("cases:application_create"),
        {
            "reason": "本人待岗",
            "head_name": "张三",
            "head_id_number": registry.household_a.head.id_number,
            "head_health": "healthy",
            "employment": "unemployed",
            "size": "1",
            "monthly_income": "800",
            "housing": "rented",
        },
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert registry.household_a.file_number not in errors
    assert registry.household_a.head.id_number[-4:] in errors
    assert Household.objects.count() == before


def test_a_bad_id_on_the_form_says_what_to_fix(client, registry):
    client.force_login(registry.supervisor)
    response = client.post(
        reverse("households:create"), {"head_name": "x", "head_id_number": "12345"}
    )
    assert response.status_code == 200
    assert "head_id_number" in response.context["form"].errors


def test_classify_page_shows_the_suggestion_and_records_the_decision(client, registry):
    client.force_login(registry.caseworker_a)
    url = reverse("households:classify", args=[registry.household_a.pk])
    page = client.get(url)
    assert page.context["result"].category == Category.NEAR_SUBSISTENCE
    assert "570.00" in page.content.decode()
    response = client.post(url, {"category": "near_subsistence", "degree": "severe"})
    assert response.status_code == 302
    registry.household_a.refresh_from_db()
    assert registry.household_a.category == Category.NEAR_SUBSISTENCE
    detail = client.get(
        reverse("households:detail", args=[registry.household_a.pk])
    ).content.decode()
    assert "570.00" in detail


def test_the_document_checklist_shows_what_the_causes_require(client, registry):
    client.force_login(registry.caseworker_a)
    response = client.get(reverse("households:detail", args=[registry.household_a.pk]))
    checklist = {item.document_type.code: item.missing for item in response.context["checklist"]}
    assert checklist["diagnosis"] is True  # cause: illness
    assert checklist["id_card"] is True
    assert "admission_letter" not in checklist
    assert response.context["missing_documents"] == 5


def test_an_upload_that_is_not_a_pdf_or_image_is_refused_with_a_message(
    client, registry, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(registry.caseworker_a)
    url = reverse("households:document_add", args=[registry.household_a.pk])
    fake = SimpleUploadedFile("bill.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(
        url,
        {"document_type": DocumentType.objects.get(code="diagnosis").pk, "file": fake},
        follow=True,
    )
    assert not Document.objects.exists()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_the_impact_page_lists_households_whose_category_would_change(client, registry):
    services.household_classify(actor=registry.caseworker_a, household=registry.household_a)
    services.household_classify(actor=registry.caseworker_b, household=registry.household_b)
    LivingStandard.objects.create(
        county=registry.county, effective_from=date(2027, 1, 1), monthly_amount=300
    )
    client.force_login(registry.supervisor)
    response = client.get(
        reverse("households:standard_impact"),
        {"monthly_amount": "300", "effective_from": "2027-01-01"},
    )
    rows = response.context["rows"]
    assert {row.file_number for row in rows} == {
        registry.household_a.file_number,
        registry.household_b.file_number,
    }
    assert {row.suggested_then for row in rows} == {str(Category.NOT_ELIGIBLE.label)}
    assert {row.suggested_now for row in rows} == {str(Category.NEAR_SUBSISTENCE.label)}
    unchanged = client.get(
        reverse("households:standard_impact"),
        {"monthly_amount": "570", "effective_from": "2027-01-01"},
    )
    assert unchanged.context["rows"] == []


def test_the_dashboard_counts_the_caseworkers_households_and_due_work(client, registry):
    client.force_login(registry.caseworker_a)
    cards = {str(c.title): c.count for c in client.get(reverse("dashboard")).context["cards"]}
    assert cards["在档困难职工家庭"] == 1
    assert cards["到期走访"] == 0
    assert cards["到期年度复核"] == 0


def test_editing_the_file_records_before_and_after(client, registry):
    client.force_login(registry.caseworker_a)
    url = reverse("households:edit", args=[registry.household_a.pk])
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, "")}
    data.update(
        {"monthly_income": "2000元", "work_unit": "县纺织厂", "causes": ["illness", "education"]}
    )
    for flag in ("is_migrant_worker", "receives_subsistence_allowance", "owns_several_homes"):
        data.pop(flag, None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    registry.household_a.refresh_from_db()
    assert registry.household_a.monthly_income == Decimal("2000")
    assert registry.household_a.causes == ["illness", "education"]
    event = registry.household_a.events.get(action="updated")
    assert event.actor == registry.caseworker_a
    assert event.changes["工作单位"] == ["", "县纺织厂"]


def test_adding_a_member_and_exiting_through_the_pages(client, registry):
    client.force_login(registry.caseworker_a)
    number = DemoPeople(seed=55).resident_id()
    response = client.post(
        reverse("households:member_add", args=[registry.household_a.pk]),
        {
            "relation": "child",
            "name": "张小三",
            "id_number": number,
            "health": "healthy",
            "school_stage": "university",
        },
    )
    assert response.status_code == 302
    assert registry.household_a.members.get(id_number=number).name_initials == "zxs"
    exit_url = reverse("households:exit", args=[registry.household_a.pk])
    assert client.post(exit_url, {"reason": "x", "follow_up_on": "2030-01-01"}).status_code == 403
    client.force_login(registry.supervisor)  # a caseworker files an exit proposal instead
    refused = client.post(exit_url, {"reason": "", "follow_up_on": "2020-01-01"})
    assert refused.status_code == 200
    registry.household_a.refresh_from_db()
    assert registry.household_a.status == Status.REGISTERED
    follow_up = (timezone.localdate() + timedelta(days=30)).isoformat()
    assert (
        client.post(exit_url, {"reason": "子女毕业就业", "follow_up_on": follow_up}).status_code
        == 302
    )
    registry.household_a.refresh_from_db()
    assert registry.household_a.status == Status.EXITED


def test_a_finance_officer_may_read_but_not_change_a_file(client, registry):
    client.force_login(registry.finance)
    assert (
        client.get(reverse("households:detail", args=[registry.household_a.pk])).status_code == 200
    )
    response = client.post(
        reverse("households:exit", args=[registry.household_a.pk]), {"reason": "x"}
    )
    assert response.status_code == 403
    registry.household_a.refresh_from_db()
    assert registry.household_a.status == Status.REGISTERED


def test_visits_due_are_counted_and_listed(client, registry):
    visited = timezone.localdate() - timedelta(days=40)
    services.visit_record(
        actor=registry.caseworker_a,
        household=registry.household_a,
        visited_on=visited,
        visitors="王主席",
        findings="需再访",
        next_visit_on=visited + timedelta(days=30),
    )
    client.force_login(registry.caseworker_a)
    cards = {str(c.title): c for c in client.get(reverse("dashboard")).context["cards"]}
    assert cards["到期走访"].count == 1
    due = client.get(cards["到期走访"].url)
    assert [h.file_number for h in due.context["households"]] == [registry.household_a.file_number]


def test_a_member_leaves_through_the_page_with_a_reason(client, registry):
    child = services.member_add(
        actor=registry.caseworker_a,
        household=registry.household_a,
        data=services.MemberData(
            name="张小草", id_number=DemoPeople(seed=57).resident_id(), relation="child"
        ),
    )
    client.force_login(registry.caseworker_a)
    url = reverse("households:member_remove", args=[registry.household_a.pk, child.pk])
    assert client.post(url, {"reason": ""}).status_code == 200
    assert registry.household_a.members.filter(pk=child.pk).exists()
    assert client.post(url, {"reason": "户口迁出"}).status_code == 302
    assert not registry.household_a.members.filter(pk=child.pk).exists()
    client.force_login(registry.caseworker_b)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("households:document_add", {"document_type": "1"}),
        ("households:measure_add", {"description": "x", "owner": "y", "target_date": "2030-01-01"}),
        ("households:exit", {"reason": "x", "follow_up_on": "2030-01-01"}),
        ("households:remove", {"reason": "x"}),
        ("households:edit", {"monthly_income": "1"}),
        ("households:visit_add", {"visited_on": "2026-01-01", "visitors": "x", "findings": "y"}),
    ],
)
def test_a_post_to_another_unions_file_is_not_found_and_changes_nothing(
    client, registry, name, data
):
    client.force_login(registry.caseworker_b)
    events = registry.household_a.events.count()
    response = client.post(reverse(name, args=[registry.household_a.pk]), data)
    assert response.status_code in (403, 404)  # ending a file directly is a supervisor's
    assert registry.household_a.events.count() == events
    registry.household_a.refresh_from_db()
    assert registry.household_a.status == Status.REGISTERED
