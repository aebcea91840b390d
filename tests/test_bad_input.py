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
