"""Registering, changing, classifying and ending household files (households/services.py)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from helpcenter.demo import DemoPeople
from households import services
from households.choices import Category, Degree, Relation, Status
from households.models import (
    Classification,
    Document,
    DocumentType,
    EventAction,
    Household,
    HouseholdEvent,
    Member,
    SpotCheck,
)
from households.services import HouseholdError, MemberData, PersonAlreadyRegistered
from tests.factories import household_for

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%fake but starts right\n"


def counts() -> tuple[int, int, int]:
    return Household.objects.count(), Member.objects.count(), HouseholdEvent.objects.count()


def test_it_registers_a_household_with_its_head_members_and_a_trace(registry):
    people = DemoPeople(seed=99)
    spouse = MemberData(name="王芳", id_number=people.resident_id(), relation=Relation.SPOUSE)
    household = household_for(
        registry.union_a, actor=registry.caseworker_a, name="张伟", members=[spouse]
    )
    assert household.file_number == f"1301-{timezone.localdate().year}-00002"
    assert household.head.name == "张伟"
    assert household.head.relation == Relation.SELF
    assert household.head.name_initials == "zw"
    assert list(household.members.values_list("name", flat=True)) == ["张伟", "王芳"]
    [event] = household.events.all()
    assert (event.action, event.actor) == (EventAction.REGISTERED, registry.caseworker_a)


def test_one_person_is_in_one_household_county_wide(registry):
    head_id = registry.household_a.head.id_number
    before = counts()
    with pytest.raises(PersonAlreadyRegistered) as county_sees:
        services.household_register(
            actor=registry.supervisor,
            union=registry.union_b,
            head=MemberData(name="张三", id_number=head_id.lower()),
            employment="laid_off",
            size=1,
            monthly_income=Decimal(500),
            housing="rented",
        )
    assert counts() == before
    assert registry.household_a.file_number in county_sees.value.message
    assert "甲厂工会" in county_sees.value.message
    with pytest.raises(PersonAlreadyRegistered) as other_union_sees:
        services.member_add(
            actor=registry.caseworker_b,
            household=registry.household_b,
            data=MemberData(name="张三", id_number=head_id, relation=Relation.PARENT),
        )
    assert registry.household_a.file_number not in other_union_sees.value.message
    assert "甲厂工会" not in other_union_sees.value.message
    assert head_id[-4:] in other_union_sees.value.message
    assert counts() == before


def test_a_household_smaller_than_its_people_is_refused(registry):
    people = DemoPeople(seed=5)
    with pytest.raises(HouseholdError):
        household_for(
            registry.union_a,
            size=1,
            members=[
                MemberData(name="甲", id_number=people.resident_id(), relation=Relation.CHILD)
            ],
        )


def test_an_update_records_before_and_after(registry):
    household = registry.household_a
    services.household_update(
        actor=registry.caseworker_a,
        household=household,
        monthly_income=Decimal("1800.00"),
        work_unit="新单位",
    )
    event = household.events.filter(action=EventAction.UPDATED).get()
    assert sorted(event.changes.values()) == [["", "新单位"], ["1500.00", "1800.00"]]
    household.refresh_from_db()
    assert household.monthly_income == Decimal("1800.00")


def test_an_update_that_changes_nothing_leaves_no_trace(registry):
    services.household_update(actor=registry.caseworker_a, household=registry.household_a, size=3)
    assert not registry.household_a.events.filter(action=EventAction.UPDATED).exists()


def test_classification_stores_the_suggestion_and_its_explanation(registry):
    household = registry.household_a  # 1,500 ÷ 3 = 500 a head, below 570
    classification = services.household_classify(actor=registry.caseworker_a, household=household)
    assert (classification.category, classification.degree) == (
        Category.NEAR_SUBSISTENCE,
        Degree.SEVERE,
    )
    assert not classification.is_override
    assert "570.00" in classification.explanation
    assert classification.standard.monthly_amount == Decimal("570.00")
    household.refresh_from_db()
    assert (household.category, household.degree) == (Category.NEAR_SUBSISTENCE, Degree.SEVERE)


def test_an_override_needs_a_reason_and_is_recorded(registry):
    household = registry.household_a
    with pytest.raises(HouseholdError):
        services.household_classify(
            actor=registry.caseworker_a,
            household=household,
            category=Category.ACCIDENT,
            degree=Degree.SERIOUS,
        )
    assert not Classification.objects.exists()
    classification = services.household_classify(
        actor=registry.caseworker_a,
        household=household,
        category=Category.ACCIDENT,
        degree=Degree.SERIOUS,
        override_reason="本月突发重病住院",
    )
    assert classification.is_override
    assert classification.suggested_category == Category.NEAR_SUBSISTENCE
    assert classification.override_reason == "本月突发重病住院"


def test_exit_remove_and_reinstate_follow_the_lifecycle(registry):
    household = registry.household_a
    follow_up = timezone.localdate() + timedelta(days=60)
    services.household_exit(
        actor=registry.caseworker_a, household=household, reason="再就业", follow_up_on=follow_up
    )
    household.refresh_from_db()
    assert (household.status, household.next_visit_on, household.end_reason) == (
        Status.EXITED,
        follow_up,
        "再就业",
    )
    with pytest.raises(HouseholdError):
        services.household_exit(
            actor=registry.caseworker_a, household=household, reason="再次", follow_up_on=follow_up
        )
    services.household_reinstate(
        actor=registry.caseworker_a, household=household, reason="再次失业"
    )
    services.household_remove(actor=registry.caseworker_a, household=household, reason="有两套住房")
    household.refresh_from_db()
    assert household.status == Status.REMOVED
    actions = list(household.events.order_by("at", "id").values_list("action", flat=True))
    assert actions == ["registered", "exited", "reinstated", "removed"]


def test_ending_needs_a_reason_and_a_future_follow_up(registry):
    household = registry.household_a
    with pytest.raises(HouseholdError):
        services.household_remove(actor=registry.caseworker_a, household=household, reason="  ")
    with pytest.raises(HouseholdError):
        services.household_exit(
            actor=registry.caseworker_a,
            household=household,
            reason="脱困",
            follow_up_on=timezone.localdate(),
        )
    household.refresh_from_db()
    assert household.status == Status.REGISTERED


def test_a_spot_check_draws_at_least_thirty_percent_and_records_it(registry):
    for _ in range(9):
        household_for(registry.union_a)
    check = services.spot_check_draw(actor=registry.supervisor, union=registry.union_a)
    assert check.population == 10
    assert check.households.count() == 3
    assert set(check.households.values_list("union", flat=True)) == {registry.union_a.pk}
    assert SpotCheck.objects.get().seed == check.seed
    assert HouseholdEvent.objects.filter(action=EventAction.SPOT_CHECKED).count() == 3


def test_documents_are_checked_by_content_and_stored_under_random_names(
    registry, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    diagnosis = DocumentType.objects.get(code="diagnosis")
    upload = SimpleUploadedFile("诊断书.pdf", PDF, content_type="application/pdf")
    document = services.document_add(
        actor=registry.caseworker_a,
        household=registry.household_a,
        document_type=diagnosis,
        upload=upload,
    )
    assert document.original_name == "诊断书.pdf"
    assert document.content_type == "application/pdf"
    assert "诊断书" not in document.file.name
    assert (tmp_path / document.file.name).read_bytes() == PDF

    disguised = SimpleUploadedFile(
        "invoice.pdf", b"<html><script>alert(1)</script>", content_type="application/pdf"
    )
    with pytest.raises(HouseholdError):
        services.document_add(
            actor=registry.caseworker_a,
            household=registry.household_a,
            document_type=diagnosis,
            upload=disguised,
        )
    assert Document.objects.count() == 1


def test_an_upload_over_the_limit_is_refused(registry, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile(
        "scan.png", b"\x89PNG\r\n\x1a\n" + b"0" * (1024 * 1024), content_type="image/png"
    )
    with pytest.raises(HouseholdError):
        services.document_add(
            actor=registry.caseworker_a,
            household=registry.household_a,
            document_type=DocumentType.objects.get(code="id_card"),
            upload=big,
        )
    assert not Document.objects.exists()
    assert not any(tmp_path.iterdir())


def test_a_visit_sets_the_next_visit_and_refuses_the_future(registry):
    today = timezone.localdate()
    services.visit_record(
        actor=registry.caseworker_a,
        household=registry.household_a,
        visited_on=today,
        visitors="王主席",
        findings="老人住院",
        next_visit_on=today + timedelta(days=30),
    )
    registry.household_a.refresh_from_db()
    assert registry.household_a.next_visit_on == today + timedelta(days=30)
    with pytest.raises(HouseholdError):
        services.visit_record(
            actor=registry.caseworker_a,
            household=registry.household_a,
            visited_on=today + timedelta(days=1),
            visitors="王主席",
            findings="x",
        )
    assert registry.household_a.visits.count() == 1
