"""Bad input gets a clear answer and changes nothing — never a 500."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from helpcenter.demo import DemoPeople
from households import services
from households.choices import Status
from households.models import Document, DocumentType, Household, Member
from households.services import HouseholdError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_absurd_page_number_is_the_last_page_not_an_error(client, registry):
    client.force_login(registry.caseworker_a)
    for url in (reverse("households:list"), reverse("households:review_queue")):
        assert client.get(url, {"page": "99999999999999999999"}).status_code == 200
        assert client.get(url, {"page": "abc"}).status_code == 200


def test_a_spot_check_for_no_union_is_not_found(client, registry):
    client.force_login(registry.supervisor)
    assert client.post(reverse("households:spot_checks"), {"union": "abc"}).status_code == 404
    assert client.post(reverse("households:spot_checks"), {"union": "99999"}).status_code == 404


def test_a_member_cannot_take_the_heads_id(client, registry):
    spouse = services.member_add(
        actor=registry.caseworker_a,
        household=registry.household_a,
        data=services.MemberData(
            name="王芳", id_number=DemoPeople(seed=606).resident_id(), relation="spouse"
        ),
    )
    client.force_login(registry.caseworker_a)
    response = client.post(
        reverse("households:member_edit", args=[registry.household_a.pk, spouse.pk]),
        {
            "relation": "spouse",
            "name": "王芳",
            "id_number": registry.household_a.head.id_number,
            "health": "healthy",
        },
    )
    assert response.status_code == 200
    assert registry.household_a.file_number in " ".join(response.context["form"].non_field_errors())
    spouse.refresh_from_db()
    assert spouse.id_number != registry.household_a.head.id_number


def test_a_superuser_without_a_union_is_sent_to_the_admin_not_a_crash(client, people):
    root = UserFactory(username="root", union=None, is_superuser=True, roles=[])
    client.force_login(root)
    for url in (
        reverse("dashboard"),
        reverse("households:standard_impact"),
        reverse("households:import"),
    ):
        assert client.get(url).status_code == 403
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_full_file_number_is_found(client, registry):
    client.force_login(registry.supervisor)
    number = registry.household_b.file_number
    page = client.get(reverse("households:list"), {"q": number})
    assert [h.file_number for h in page.context["households"]] == [number]
    year_prefix = number.rsplit("-", 1)[0]
    page = client.get(reverse("households:list"), {"q": year_prefix})
    assert [h.file_number for h in page.context["households"]] == [number]


def test_a_filter_that_cannot_apply_is_shown_and_the_export_refused(client, registry):
    client.force_login(registry.caseworker_a)
    page = client.get(reverse("households:list"), {"union": registry.union_b.pk})
    assert page.context["filter"].errors
    assert "filter-errors" in page.content.decode()
    export = client.get(reverse("households:export"), {"union": registry.union_b.pk})
    assert export.status_code == 302
    assert export["Location"].startswith(reverse("households:list"))


def test_a_negative_amount_is_refused_not_made_positive(client, registry):
    client.force_login(registry.supervisor)
    response = client.post(
        reverse("households:create"),
        {
            "union": registry.union_a.pk,
            "head_name": "钱七",
            "head_id_number": DemoPeople(seed=607).resident_id(),
            "head_health": "healthy",
            "employment": "unemployed",
            "size": "1",
            "monthly_income": "-500",
            "housing": "rented",
        },
    )
    assert response.status_code == 200
    assert "monthly_income" in response.context["form"].errors
    assert not Household.objects.filter(head__name="钱七").exists()


def test_a_visit_clears_the_visit_due_and_says_so(registry):
    household = registry.household_a
    Household.objects.filter(pk=household.pk).update(
        next_visit_on=timezone.localdate() - timedelta(days=3)
    )
    services.visit_record(
        actor=registry.caseworker_a,
        household=household,
        visited_on=timezone.localdate(),
        visitors="王主席",
        findings="好转",
    )
    household.refresh_from_db()
    assert household.next_visit_on is None
    event = household.events.get(action="visited")
    assert list(event.changes.values()) == [
        [(timezone.localdate() - timedelta(days=3)).isoformat(), None]
    ]


def test_a_removed_file_is_not_classified(registry):
    services.household_remove(
        actor=registry.caseworker_a, household=registry.household_a, reason="两套住房"
    )
    with pytest.raises(HouseholdError):
        services.household_classify(actor=registry.caseworker_a, household=registry.household_a)
    assert not registry.household_a.classifications.exists()


def test_a_member_leaves_and_may_be_registered_elsewhere(registry):
    number = DemoPeople(seed=608).resident_id()
    child = services.member_add(
        actor=registry.caseworker_a,
        household=registry.household_a,
        data=services.MemberData(name="张小花", id_number=number, relation="child"),
    )
    with pytest.raises(HouseholdError):
        services.member_remove(
            actor=registry.caseworker_a, member=registry.household_a.head, reason="x"
        )
    services.member_remove(actor=registry.caseworker_a, member=child, reason="出嫁，户口已迁出")
    assert not Member.objects.filter(id_number=number).exists()
    assert "出嫁" in registry.household_a.events.get(action="member_removed").note
    services.member_add(
        actor=registry.caseworker_b,
        household=registry.household_b,
        data=services.MemberData(name="张小花", id_number=number, relation="other"),
    )


def test_an_image_that_only_begins_like_one_is_refused(registry):
    fake = SimpleUploadedFile(
        "photo.jpg", b"\xff\xd8\xff<html><script>alert(1)</script>", content_type="image/jpeg"
    )
    with pytest.raises(HouseholdError):
        services.document_add(
            actor=registry.caseworker_a,
            household=registry.household_a,
            document_type=DocumentType.objects.get(code="id_card"),
            upload=fake,
        )
    assert not Document.objects.exists()


def test_a_real_png_is_accepted(registry):
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    upload = SimpleUploadedFile("scan.png", buffer.getvalue(), content_type="image/png")
    document = services.document_add(
        actor=registry.caseworker_a,
        household=registry.household_a,
        document_type=DocumentType.objects.get(code="id_card"),
        upload=upload,
    )
    assert document.content_type == "image/png"


def test_an_import_with_an_absurd_amount_is_an_error_row(registry, tmp_path):
    from households.importing import plan_import
    from tests.test_household_import import household_row, write_workbook

    path = write_workbook(
        tmp_path / "big.xlsx",
        [household_row(DemoPeople(seed=609).resident_id(), 家庭月总收入="1e30")],
    )
    plan = plan_import(path, actor=registry.caseworker_a, union=registry.union_a)
    assert plan.errors
    assert Household.objects.filter(status=Status.REGISTERED).count() == 2


# --- Bounds: a search of any length, dates that could be real, a household of plausible size ---

LONG_SEARCH = "张" * 100_000


def test_a_very_long_search_is_refused_with_a_message_not_a_500(client, registry):
    client.force_login(registry.caseworker_a)
    page = client.get(reverse("households:list"), {"q": LONG_SEARCH})
    assert page.status_code == 200
    assert "最多 100 个字符" in page.content.decode()
    rows = client.get(
        reverse("households:list"), {"q": LONG_SEARCH}, headers={"HX-Request": "true"}
    )
    assert "最多 100 个字符" in rows.content.decode()  # the rows a search typed in replaces
    export = client.get(reverse("households:export"), {"q": LONG_SEARCH}, follow=True)
    assert export.status_code == 200
    assert export.redirect_chain[-1][0].startswith(reverse("households:list"))
    assert "最多 100 个字符" in export.content.decode()


EXTREME_DAYS = ["0001-01-01", "9999-12-31"]


@pytest.mark.parametrize("day", EXTREME_DAYS)
def test_a_survey_dated_out_of_range_is_refused(client, workflow, day):
    application = workflow.application_a
    client.force_login(workflow.caseworker_a)
    response = client.post(
        reverse("cases:application_survey", args=[application.pk]),
        {"survey_on": day, "visitors": "刘主席", "findings": "家中陈设简陋", "authorised": "on"},
    )
    assert response.status_code == 200
    assert "入户调查的实际日期" in " ".join(response.context["form"].non_field_errors())
    application.refresh_from_db()
    assert application.survey_on is None


@pytest.mark.parametrize("day", EXTREME_DAYS)
def test_a_measure_target_out_of_range_is_refused(client, registry, day):
    client.force_login(registry.caseworker_a)
    response = client.post(
        reverse("households:measure_add", args=[registry.household_a.pk]),
        {"description": "推荐就业", "owner": "就业站", "target_date": day},
        follow=True,
    )
    assert response.status_code == 200
    assert "目标日期应在今天至" in response.content.decode()
    assert not registry.household_a.measures.exists()


@pytest.mark.parametrize("day", EXTREME_DAYS)
def test_an_exit_follow_up_out_of_range_is_refused(client, registry, day):
    client.force_login(registry.supervisor)
    response = client.post(
        reverse("households:exit", args=[registry.household_a.pk]),
        {"reason": "再就业", "follow_up_on": day},
    )
    assert response.status_code == 200
    assert "跟踪回访日期应在今天之后" in " ".join(response.context["form"].non_field_errors())
    registry.household_a.refresh_from_db()
    assert registry.household_a.status == Status.REGISTERED
    client.force_login(registry.caseworker_a)
    url = reverse("cases:application_for_household", args=[registry.household_a.pk])
    response = client.post(f"{url}?kind=exit", {"reason": "再就业", "follow_up_on": day})
    assert response.status_code == 200
    assert "跟踪回访日期应在今天之后" in " ".join(response.context["form"].non_field_errors())
    assert not registry.household_a.applications.exists()


@pytest.mark.parametrize("moment", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_an_objection_received_out_of_range_is_refused(client, workflow, moment):
    notice = workflow.notice_a
    client.force_login(workflow.supervisor)
    response = client.post(
        reverse("cases:objection_record", args=[notice.pk]),
        {"channel": "hotline", "received_at": moment, "content": "据反映该户有私家车"},
    )
    assert response.status_code == 200
    assert "异议的受理时间" in " ".join(response.context["form"].non_field_errors())
    assert not notice.objections.exists()


@pytest.mark.parametrize("day", EXTREME_DAYS)
def test_a_notice_start_out_of_range_is_refused(client, workflow, day):
    from cases import services as case_services
    from cases.models import Notice

    application = workflow.application_a
    case_services.application_record_survey(
        actor=workflow.caseworker_a,
        application=application,
        survey_on=timezone.localdate(),
        visitors="刘主席",
        findings="家中陈设简陋",
        authorised=True,
    )
    case_services.application_submit(actor=workflow.caseworker_a, application=application)
    case_services.application_review(actor=workflow.supervisor, application=application)
    notices = Notice.objects.count()
    client.force_login(workflow.supervisor)
    response = client.post(
        reverse("cases:notice_create"),
        {
            "title": "建档公示",
            "place": "工会公示栏",
            "contact": "0000-12351",
            "start_on": day,
            "working_days": "5",
            "applications": [application.pk],
        },
    )
    assert response.status_code == 200
    assert "公示开始日期应在今天前后一年内" in " ".join(response.context["form"].non_field_errors())
    assert Notice.objects.count() == notices
    application.refresh_from_db()
    assert application.notice is None


def test_a_household_of_forty_thousand_people_is_refused(client, registry, tmp_path):
    from households.importing import plan_import
    from tests.test_household_import import household_row, write_workbook

    client.force_login(registry.supervisor)
    response = client.post(
        reverse("households:create"),
        {
            "union": registry.union_a.pk,
            "head_name": "钱七",
            "head_id_number": DemoPeople(seed=610).resident_id(),
            "head_health": "healthy",
            "employment": "unemployed",
            "size": "40000",
            "monthly_income": "500",
            "housing": "rented",
        },
    )
    assert response.status_code == 200
    assert "家庭人口应为 1 至 20 人" in " ".join(response.context["form"].errors["size"])
    assert not Household.objects.filter(head__name="钱七").exists()

    with pytest.raises(HouseholdError):
        services.household_update(
            actor=registry.caseworker_a, household=registry.household_a, size=40000
        )
    registry.household_a.refresh_from_db()
    assert registry.household_a.size < 40000

    path = write_workbook(
        tmp_path / "big.xlsx",
        [household_row(DemoPeople(seed=611).resident_id(), 家庭人口="40000")],
    )
    plan = plan_import(path, actor=registry.caseworker_a, union=registry.union_a)
    assert plan.errors
    assert Household.objects.count() == 2


def test_a_very_long_admin_search_is_refused_with_a_message_not_a_500(client, people):
    client.force_login(people.administrator)
    for name in ("admin:helpcenter_user_changelist", "admin:helpcenter_union_changelist"):
        page = client.get(reverse(name), {"q": LONG_SEARCH})
        assert page.status_code == 200
        assert "最多 100 个字符" in page.content.decode()
