"""A registration carries the family and its proof: members are listed (and checked county-wide)
on the application, the household size follows from them, the means test runs on them before
review, and approval creates the file with the members, the documents and, as its first
classification, the category reviewed and shown on the notice."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases import printing, services
from cases.models import Application, ApplicationStep, State
from cases.services import CaseError
from helpcenter.demo import DemoPeople
from helpcenter.models import Role, User
from households.choices import Category, Degree, Relation
from households.models import Classification, Document, DocumentType, Household, Member
from households.services import MemberData, PersonAlreadyRegistered
from tests.factories import UserFactory, registration_for

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def wife(seed=501, **values) -> MemberData:
    return MemberData(
        name="刘秀英",
        id_number=DemoPeople(seed=seed).resident_id(),
        relation=Relation.SPOUSE,
        health="serious_illness",
        **values,
    )


def child(seed=502) -> MemberData:
    return MemberData(
        name="赵小明",
        id_number=DemoPeople(seed=seed).resident_id(),
        relation=Relation.CHILD,
        school_stage="compulsory",
        school="城关小学",
    )


def family_of_three(registry) -> Application:
    """A draft of union A: 1,500 元 a month; with its two members, 500 元 per person."""
    application = registration_for(
        registry.union_a, actor=registry.caseworker_a, name="赵建国", size=1
    )
    for member in (wife(), child()):
        services.application_member_add(
            actor=registry.caseworker_a, application=application, data=member
        )
    return Application.objects.get(pk=application.pk)


def surveyed_and_reviewed(registry, application) -> Application:
    services.application_record_survey(
        actor=registry.caseworker_a,
        application=application,
        survey_on=timezone.localdate(),
        visitors="王主席",
        findings="妻子卧床，孩子上小学",
        authorised=True,
    )
    services.application_submit(actor=registry.caseworker_a, application=application)
    return services.application_review(actor=registry.supervisor, application=application)


def approved(registry, application) -> Application:
    notice = services.notice_create(
        actor=registry.supervisor,
        union=registry.county,
        title="2026年困难职工建档公示",
        place="县总工会一楼公示栏",
        contact="0311-1234567",
        start_on=timezone.localdate() - timedelta(days=30),
        working_days=5,
        applications=[application],
    )
    services.notice_publish(actor=registry.supervisor, notice=notice, today=notice.start_on)
    assert services.notice_close(notice=notice) is True
    approver = UserFactory(username="approver", union=registry.county, roles=[Role.SUPERVISOR])
    return services.application_approve(actor=approver, application=application)


# --- Members on the application ---------------------------------------------------------------


def test_members_added_to_a_draft_are_on_the_proposal_and_the_size_follows(registry):
    application = family_of_three(registry)
    members = application.proposal["members"]
    assert [(m["name"], m["relation"]) for m in members] == [
        ("刘秀英", "spouse"),
        ("赵小明", "child"),
    ]
    assert application.proposal["fields"]["size"] == 3
    assert services.proposed_household(application).size == 3
    assert ApplicationStep.objects.filter(
        application=application, comment__contains="刘秀英"
    ).exists()

    services.application_member_remove(
        actor=registry.caseworker_a, application=application, index=1
    )
    application.refresh_from_db()
    assert [m["name"] for m in application.proposal["members"]] == ["刘秀英"]
    assert services.proposed_size(application.proposal) == 2
    assert application.proposal["fields"]["size"] == 2


def test_a_typed_size_is_not_taken_the_family_decides_it(registry):
    application = registration_for(registry.union_a, actor=registry.caseworker_a, size=4)
    assert application.proposal["fields"]["size"] == 1
    services.application_update(
        actor=registry.caseworker_a,
        application=application,
        reason="改",
        fields={**application.proposal["fields"], "size": 4},
    )
    application.refresh_from_db()
    assert application.proposal["fields"]["size"] == 1


def test_a_member_already_in_a_household_is_refused(registry):
    application = registration_for(registry.union_a, actor=registry.caseworker_a)
    registered = registry.household_b.head  # union B's file: named masked, not opened
    with pytest.raises(PersonAlreadyRegistered, match="其他工会"):
        services.application_member_add(
            actor=registry.caseworker_a,
            application=application,
            data=MemberData(name="某人", id_number=registered.id_number, relation="spouse"),
        )
    application.refresh_from_db()
    assert application.proposal["members"] == []


def test_a_member_on_another_pending_registration_is_refused(registry):
    first = family_of_three(registry)
    second = registration_for(registry.union_a, actor=registry.caseworker_a)
    with pytest.raises(CaseError, match="刘秀英"):
        services.application_member_add(
            actor=registry.caseworker_a, application=second, data=wife()
        )
    head_id = first.proposal["head"]["id_number"]
    with pytest.raises(CaseError, match="赵建国"):
        services.application_member_add(
            actor=registry.caseworker_a,
            application=second,
            data=MemberData(name="赵建国", id_number=head_id, relation="sibling"),
        )
    second.refresh_from_db()
    assert second.proposal["members"] == []


def test_a_member_twice_or_as_a_second_head_is_refused(registry):
    application = family_of_three(registry)
    with pytest.raises(CaseError, match=r"twice|两次|重复"):
        services.application_member_add(
            actor=registry.caseworker_a, application=application, data=wife()
        )
    with pytest.raises(CaseError):
        services.application_member_add(
            actor=registry.caseworker_a,
            application=application,
            data=MemberData(name="某", id_number=DemoPeople(seed=599).resident_id()),
        )
    application.refresh_from_db()
    assert len(application.proposal["members"]) == 2


def test_members_change_only_while_draft_or_returned(registry):
    application = surveyed_and_reviewed(registry, family_of_three(registry))
    with pytest.raises(CaseError):
        services.application_member_remove(
            actor=registry.caseworker_a, application=application, index=0
        )
    services.application_return(
        actor=registry.supervisor, application=application, reason="补充家庭成员"
    )
    services.application_member_add(
        actor=registry.caseworker_a,
        application=application,
        data=MemberData(
            name="赵老汉",
            id_number=DemoPeople(seed=503).resident_id(),
            relation=Relation.PARENT,
            health="chronic",
        ),
    )
    application.refresh_from_db()
    assert application.state == State.RETURNED
    assert [m["name"] for m in application.proposal["members"]][-1] == "赵老汉"
    assert application.proposal["fields"]["size"] == 4


# --- The means test before review, and the first classification on approval -------------------


def test_the_means_test_runs_on_the_members_before_review(client, registry):
    alone = registration_for(registry.union_a, actor=registry.caseworker_a, name="钱一")
    assert services.registration_means_test(alone).category == Category.NOT_ELIGIBLE
    application = family_of_three(registry)
    result = services.registration_means_test(application)
    assert (result.category, result.degree) == (Category.NEAR_SUBSISTENCE, Degree.SEVERE)

    client.force_login(registry.supervisor)
    page = client.get(reverse("cases:application_detail", args=[application.pk]))
    content = page.content.decode()
    assert str(Category.NEAR_SUBSISTENCE.label) in content
    assert "500.00" in content  # 1,500 元 ÷ 3 people
    assert 'data-testid="means-test"' in content


def test_approval_creates_the_file_with_members_documents_and_the_noticed_category(registry):
    application = family_of_three(registry)
    diagnosis = DocumentType.objects.get(code="diagnosis")
    document = services.application_document_add(
        actor=registry.caseworker_a,
        application=application,
        document_type=diagnosis,
        upload=SimpleUploadedFile("诊断书.pdf", PDF, content_type="application/pdf"),
    )
    application = surveyed_and_reviewed(registry, application)
    assert application.proposal["means_test"]["category"] == Category.NEAR_SUBSISTENCE
    application = approved(registry, application)

    household = Household.objects.get(pk=application.household_id)
    assert household.size == 3
    assert sorted(household.members.values_list("name", "relation")) == sorted(
        [("赵建国", "self"), ("刘秀英", "spouse"), ("赵小明", "child")]
    )
    assert Member.objects.get(name="赵小明").school == "城关小学"
    document.refresh_from_db()
    assert (document.household_id, document.application_id) == (household.pk, application.pk)
    assert list(household.documents.all()) == [document]

    (classification,) = Classification.objects.filter(household=household)
    noticed = [row.category for row in printing.notice_rows(application.notice)]
    assert noticed == [str(Category.NEAR_SUBSISTENCE.label)]
    assert (classification.category, classification.degree) == (
        Category.NEAR_SUBSISTENCE,
        Degree.SEVERE,
    )
    assert classification.decided_by == User.objects.get(username="approver")
    assert "500.00" in classification.explanation
    assert (household.category, household.degree) == (Category.NEAR_SUBSISTENCE, Degree.SEVERE)


def test_approval_keeps_the_reviewed_category_when_the_standard_changed_since(registry):
    from households.models import LivingStandard

    application = surveyed_and_reviewed(registry, family_of_three(registry))
    LivingStandard.objects.create(
        county=registry.county,
        effective_from=timezone.localdate(),
        monthly_amount=Decimal("300.00"),
    )
    application = approved(registry, application)
    classification = Classification.objects.get(household=application.household)
    assert classification.category == Category.NEAR_SUBSISTENCE
    assert classification.suggested_category != Category.NEAR_SUBSISTENCE
    assert "2026年困难职工建档公示" in classification.override_reason


# --- Pages ------------------------------------------------------------------------------------


def test_a_caseworker_adds_edits_and_removes_a_member_on_the_page(client, registry):
    application = registration_for(registry.union_a, actor=registry.caseworker_a)
    client.force_login(registry.caseworker_a)
    number = DemoPeople(seed=511).resident_id()
    response = client.post(
        reverse("cases:application_member_add", args=[application.pk]),
        {
            "relation": "spouse",
            "name": "孙丽",
            "id_number": f"{number[:6]} {number[6:]}",
            "health": "disabled",
            "disability_level": "2",
            "monthly_income": "300",
        },
    )
    assert response.status_code == 302
    application.refresh_from_db()
    (member,) = application.proposal["members"]
    assert (member["id_number"], member["disability_level"], member["monthly_income"]) == (
        number,
        2,
        "300.00",
    )
    page = client.get(reverse("cases:application_detail", args=[application.pk])).content.decode()
    assert "孙丽" in page and number not in page  # masked unless revealed (and logged)

    edit = reverse("cases:application_member_edit", args=[application.pk, 0])
    assert number not in client.get(edit).content.decode()
    client.post(
        edit, {"relation": "spouse", "name": "孙丽华", "id_number": "", "health": "disabled"}
    )
    application.refresh_from_db()
    assert application.proposal["members"][0]["name"] == "孙丽华"
    assert application.proposal["members"][0]["id_number"] == number

    client.post(reverse("cases:application_member_remove", args=[application.pk, 0]))
    application.refresh_from_db()
    assert application.proposal["members"] == []


def test_a_caseworker_of_another_union_cannot_touch_the_members(client, registry):
    application = family_of_three(registry)
    before = dict(application.proposal)
    client.force_login(registry.caseworker_b)
    data = {"relation": "child", "name": "外人", "id_number": DemoPeople(seed=521).resident_id()}
    for response in (
        client.get(reverse("cases:application_member_add", args=[application.pk])),
        client.post(reverse("cases:application_member_add", args=[application.pk]), data),
        client.post(reverse("cases:application_member_edit", args=[application.pk, 0]), data),
        client.post(reverse("cases:application_member_remove", args=[application.pk, 0])),
    ):
        assert response.status_code == 404
    application.refresh_from_db()
    assert application.proposal == before


def test_proof_is_uploaded_to_the_application_and_served_in_its_scope(client, registry):
    application = family_of_three(registry)
    client.force_login(registry.caseworker_a)
    diagnosis = DocumentType.objects.get(code="diagnosis")
    client.post(
        reverse("cases:application_document_add", args=[application.pk]),
        {"document_type": diagnosis.pk, "file": SimpleUploadedFile("a.pdf", PDF)},
    )
    document = Document.objects.get(application=application)
    assert document.household is None and document.content_type == "application/pdf"
    client.post(
        reverse("cases:application_document_add", args=[application.pk]),
        {"document_type": diagnosis.pk, "file": SimpleUploadedFile("b.pdf", b"MZ not a pdf")},
    )
    assert Document.objects.filter(application=application).count() == 1
    url = reverse("cases:application_document", args=[application.pk, document.pk])
    assert client.get(url).status_code == 200
    page = client.get(reverse("cases:application_detail", args=[application.pk])).content.decode()
    assert 'data-testid="proof-checklist"' in page and "诊断书" in page
    client.force_login(registry.caseworker_b)
    assert client.get(url).status_code == 404


def test_the_registration_form_has_sections_an_error_summary_and_chinese_empty_choices(
    client, registry
):
    client.force_login(registry.caseworker_a)
    url = reverse("cases:application_create")
    page = client.get(url).content.decode()
    for key in ("applicant", "members", "income", "housing", "survey"):
        assert f'data-testid="section-{key}"' in page
    assert 'name="size"' not in page
    assert "---------" not in page
    assert "请选择" in page
    response = client.post(url, {"head_name": "某"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="error-summary"' in page
    assert 'href="#id_head_id_number"' in page and 'href="#id_monthly_income"' in page
    assert not Application.objects.filter(applicant_name="某").exists()
