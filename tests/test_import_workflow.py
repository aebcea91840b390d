"""The Excel import follows the same rule as the pages (issue 7, item 4): a caseworker's import of
new families files registration applications (建档申请, drafts that go through the home visit,
review, notice and approval) carrying the members and the workbook's fields; entering files
approved on paper is a supervisor's choice, recorded as 导入新建 with who and the workbook;
updates of existing files stay updates (导入更新)."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import Application, ApplicationStep, Kind, State
from helpcenter.demo import DemoPeople
from households import importing, services
from households.choices import Health, Relation
from households.importing import import_households, plan_import
from households.models import EventAction, Household, HouseholdEvent, Member
from tests.factories import household_for, registration_for
from tests.test_cases_services import approver, posted, through_review
from tests.test_household_import import household_row, write_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def ids():
    return DemoPeople(seed=7004)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def state() -> tuple[int, int, int, int, int]:
    return (
        Household.objects.count(),
        Member.objects.count(),
        HouseholdEvent.objects.count(),
        Application.objects.count(),
        ApplicationStep.objects.count(),
    )


def two_families(ids, tmp_path, name="乡镇花名册.xlsx"):
    """Two new families; the first with a spouse and a child and the head's own member row."""
    head, spouse, child, other = (ids.resident_id() for _ in range(4))
    path = write_workbook(
        tmp_path / name,
        [
            household_row(head, name="张伟", 家庭状况="三口之家，妻子残疾", 家庭人口=3),
            household_row(other, name="李娜", 致困原因="因病"),
        ],
        [
            {"户主身份证号": head, "姓名": "张伟", "身份证号": head, "健康状况": "慢性病"},
            {
                "户主身份证号": head,
                "姓名": "王芳",
                "身份证号": spouse,
                "与户主关系": "妻子",
                "健康状况": "残疾",
                "残疾等级": "二级",
                "月收入": "500元",
            },
            {"户主身份证号": head, "姓名": "张小明", "身份证号": child, "与户主关系": "子女"},
        ],
    )
    return SimpleNamespace(path=path, head=head, spouse=spouse, child=child, other=other)


def upload(client, path, **data):
    with open(path, "rb") as stream:
        return client.post(reverse("households:import"), {"file": stream, **data})


# --- A caseworker's import files applications ------------------------------------------------


def test_a_caseworkers_import_of_new_families_files_registration_applications(
    people, ids, tmp_path
):
    family = two_families(ids, tmp_path)

    plan = import_households(
        family.path, actor=people.caseworker_a, union=people.union_a, source_name=family.path.name
    )

    assert plan.errors == [] and plan.applied and plan.counts["create"] == 2
    assert (Household.objects.count(), Member.objects.count()) == (0, 0)
    assert HouseholdEvent.objects.count() == 0
    first = Application.objects.get(proposal__head__id_number=family.head)
    assert (first.kind, first.state, first.union) == (
        Kind.REGISTRATION,
        State.DRAFT,
        people.union_a,
    )
    assert (first.filed_by, first.applicant_name) == (people.caseworker_a, "张伟")
    assert first.reason == "三口之家，妻子残疾"  # the workbook's own words
    assert first.proposal["head"]["health"] == Health.CHRONIC
    assert first.proposal["fields"]["monthly_income"] == "1500.00"
    assert first.proposal["fields"]["size"] == 3
    assert first.proposal["fields"]["family_situation"] == "三口之家，妻子残疾"
    members = {member["id_number"]: member for member in first.proposal["members"]}
    assert set(members) == {family.spouse, family.child}
    assert members[family.spouse]["name"] == "王芳"
    assert members[family.spouse]["relation"] == Relation.SPOUSE
    assert (members[family.spouse]["health"], members[family.spouse]["disability_level"]) == (
        Health.DISABLED,
        2,
    )
    assert members[family.spouse]["monthly_income"] == "500.00"
    assert members[family.child]["relation"] == Relation.CHILD
    [step] = first.steps.all()
    assert (step.from_state, step.to_state, step.actor) == ("", State.DRAFT, people.caseworker_a)
    assert family.path.name in step.comment
    second = Application.objects.get(proposal__head__id_number=family.other)
    assert second.proposal["members"] == []
    assert "因病" in second.reason or "Illness" in second.reason


def test_the_applications_appear_in_the_application_list_with_their_steps(
    client, people, ids, media, tmp_path
):
    path = two_families(ids, tmp_path).path
    client.force_login(people.caseworker_a)
    preview_url = upload(client, path)["Location"]
    page = client.get(preview_url).content.decode()
    assert (
        "将生成 2 份建档申请（草稿）：逐份登记入户调查并提交后，需经审核、公示、审批才建档" in page
    )
    assert "直接录入" not in page

    response = client.post(preview_url)

    assert response.status_code == 302
    listing = client.get(response["Location"]).content.decode()
    assert "张伟" in listing and "李娜" in listing
    application = Application.objects.get(applicant_name="张伟")
    detail = client.get(reverse("cases:application_detail", args=[application.pk]))
    assert path.name in detail.content.decode()  # the first step names the workbook
    assert Household.objects.count() == 0


def test_an_imported_application_registers_the_family_with_its_members_on_approval(
    registry, ids, tmp_path
):
    family = two_families(ids, tmp_path)
    import_households(family.path, actor=registry.caseworker_a, union=registry.union_a)
    application = Application.objects.get(proposal__head__id_number=family.head)
    case_services.application_record_survey(
        actor=registry.caseworker_a,
        application=application,
        survey_on=timezone.localdate(),
        visitors="王主席",
        findings="属实",
        authorised=True,
    )
    through_review(registry, application)
    case_services.notice_close(notice=posted(registry, application))

    case_services.application_approve(actor=approver(registry), application=application)

    household = Member.objects.get(id_number=family.head).household
    assert set(household.members.values_list("id_number", flat=True)) == {
        family.head,
        family.spouse,
        family.child,
    }
    wife = household.members.get(id_number=family.spouse)
    assert (wife.relation, wife.disability_level, wife.monthly_income) == (
        Relation.SPOUSE,
        2,
        Decimal("500.00"),
    )
    assert household.size == 3 and household.head.health == Health.CHRONIC


# --- A supervisor may enter files approved on paper ------------------------------------------


def test_a_supervisors_import_with_the_flag_creates_files_recorded_as_import_created(
    client, people, ids, media, tmp_path
):
    family = two_families(ids, tmp_path, name="县档案.xlsx")
    client.force_login(people.supervisor)
    preview_url = upload(client, family.path, union=people.union_a.pk, register_directly="on")[
        "Location"
    ]
    assert "将直接录入 2 份已审批档案" in client.get(preview_url).content.decode()

    client.post(preview_url)

    assert Application.objects.count() == 0
    household = Member.objects.get(id_number=family.head).household
    assert household.members.count() == 3
    event = household.events.get()
    assert (event.action, event.actor) == (EventAction.IMPORT_CREATED, people.supervisor)
    assert "县档案.xlsx" in event.note and people.supervisor.name in event.note
    page = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert "导入新建" in page


def test_without_the_flag_a_supervisor_files_applications_too(client, people, ids, media, tmp_path):
    path = two_families(ids, tmp_path).path
    client.force_login(people.supervisor)
    client.post(upload(client, path, union=people.union_a.pk)["Location"])
    assert Household.objects.count() == 0
    assert (
        Application.objects.filter(kind=Kind.REGISTRATION, filed_by=people.supervisor).count() == 2
    )


def test_a_caseworker_cannot_set_the_flag(client, people, ids, media, tmp_path):
    path = two_families(ids, tmp_path).path
    client.force_login(people.caseworker_a)
    assert (
        "register_directly" not in client.get(reverse("households:import")).context["form"].fields
    )
    before = state()

    response = upload(client, path, register_directly="on")  # a tampered form

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not client.session.get("household_imports")
    assert not list((media / "imports").glob("*.plan"))
    assert state() == before


def test_the_services_refuse_the_flag_to_a_caseworker_too(people, ids, tmp_path):
    path = two_families(ids, tmp_path).path
    before = state()
    plan = import_households(
        path, actor=people.caseworker_a, union=people.union_a, register_directly=True
    )
    assert not plan.applied and len(plan.errors) == 1
    assert state() == before
    # A plan a supervisor made cannot be confirmed by a caseworker either.
    plan = plan_import(path, actor=people.supervisor, union=people.union_a, register_directly=True)
    with pytest.raises(importing.ImportFailed):
        importing.apply_import(plan, actor=people.caseworker_a)
    assert state() == before


# --- Updates stay updates ---------------------------------------------------------------------


def test_in_the_same_workbook_an_update_stays_an_update_and_a_new_family_an_application(
    people, ids, tmp_path
):
    existing = household_for(people.union_a, work_unit="旧单位", size=1)
    spouse, newcomer = ids.resident_id(), ids.resident_id()
    path = write_workbook(
        tmp_path / "a.xlsx",
        [
            household_row(existing.head.id_number, name=existing.head.name, 工作单位="新单位"),
            household_row(newcomer, name="李娜"),
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
    plan = import_households(path, actor=people.caseworker_a, union=people.union_a)
    assert plan.applied and (plan.counts["update"], plan.counts["create"]) == (1, 1)
    assert list(Household.objects.all()) == [existing]
    assert Application.objects.get().proposal["head"]["id_number"] == newcomer
    existing.refresh_from_db()
    assert existing.work_unit == "新单位" and existing.members.filter(id_number=spouse).exists()
    event = existing.events.get(action=EventAction.IMPORTED)
    assert event.actor == people.caseworker_a
    assert event.get_action_display() in ("导入更新", "Updated by import")


# --- Nobody twice ----------------------------------------------------------------------------


def test_a_person_with_a_registration_under_way_is_refused_with_the_row_named(
    people, ids, tmp_path
):
    pending = registration_for(people.union_a, actor=people.caseworker_a, people=ids)
    number = pending.proposal["head"]["id_number"]
    path = write_workbook(
        tmp_path / "a.xlsx", [household_row(ids.resident_id()), household_row(number, name="王五")]
    )
    before = state()
    for register_directly, actor in ((False, people.caseworker_a), (True, people.supervisor)):
        plan = import_households(
            path, actor=actor, union=people.union_a, register_directly=register_directly
        )
        [error] = plan.errors
        assert (error.sheet, error.row, error.column) == ("户信息", 3, "身份证号")
    assert state() == before


def test_a_member_of_an_imported_application_under_way_is_refused(people, ids, tmp_path):
    family = two_families(ids, tmp_path)
    import_households(family.path, actor=people.caseworker_a, union=people.union_a)
    again = write_workbook(tmp_path / "b.xlsx", [household_row(family.spouse, name="王芳")])
    before = state()
    plan = import_households(again, actor=people.caseworker_b, union=people.union_b)
    [error] = plan.errors
    assert (error.row, error.column) == (2, "身份证号")
    assert "王芳" not in error.message  # another union's applicant: the masked ID only
    assert state() == before


def test_a_person_registered_or_filed_after_the_preview_refuses_the_confirm(people, ids, tmp_path):
    family = two_families(ids, tmp_path)
    plan = plan_import(family.path, actor=people.caseworker_a, union=people.union_a)
    assert plan.errors == []
    services.household_register(
        actor=people.supervisor,
        union=people.union_b,
        head=services.MemberData(name="王芳", id_number=family.spouse),
        employment="laid_off",
        monthly_income=Decimal(800),
        housing="rented",
        size=1,
    )
    before = state()
    with pytest.raises(importing.ImportFailed):
        importing.apply_import(plan, actor=people.caseworker_a)
    assert state() == before

    plan = plan_import(
        family.path, actor=people.supervisor, union=people.union_a, register_directly=True
    )
    assert plan.errors  # the family.spouse is registered now
    other_plan = plan_import(
        write_workbook(tmp_path / "c.xlsx", [household_row(family.other, name="李娜")]),
        actor=people.supervisor,
        union=people.union_a,
        register_directly=True,
    )
    case_services.application_file_registration(
        actor=people.caseworker_a,
        union=people.union_a,
        head_name="李娜",
        head_id_number=family.other,
        head_health="healthy",
        reason="因病",
        fields={"employment": "laid_off", "monthly_income": Decimal(900), "housing": "rented"},
    )
    before = state()
    with pytest.raises(importing.ImportFailed):
        importing.apply_import(other_plan, actor=people.supervisor)
    assert state() == before


def test_a_file_changed_after_the_preview_refuses_the_confirm(people, ids, tmp_path):
    existing = household_for(people.union_a, work_unit="旧单位", phone="13800000000")
    path = write_workbook(
        tmp_path / "a.xlsx",
        [household_row(existing.head.id_number, name=existing.head.name, 工作单位="新单位")],
    )
    plan = plan_import(path, actor=people.caseworker_a, union=people.union_a)
    services.household_update(actor=people.caseworker_a, household=existing, phone="13900000000")
    before = state()

    with pytest.raises(importing.ImportFailed) as refusal:
        importing.apply_import(plan, actor=people.caseworker_a)

    assert existing.file_number in str(refusal.value)
    assert state() == before
    existing.refresh_from_db()
    assert (existing.work_unit, existing.phone) == ("旧单位", "13900000000")
