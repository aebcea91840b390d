"""The workflow services: each transition checks state and actor, records the step, and a
refusal changes nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cases import services
from cases.models import ApplicationStep, Kind, NoticeState, ObjectionState, State
from cases.services import CaseError
from helpcenter.demo import DemoPeople
from helpcenter.duties import DutyConflict
from households.choices import Status
from households.models import Household
from households.services import PersonAlreadyRegistered
from tests.factories import relief_application_for

pytestmark = pytest.mark.django_db
FIELDS = {
    "employment": "laid_off",
    "size": 2,
    "monthly_income": Decimal("900.00"),
    "housing": "rented",
    "causes": ["illness"],
}


def file_registration(registry, *, survey=True, number=None):
    application = services.application_file_registration(
        actor=registry.caseworker_a,
        union=registry.union_a,
        head_name="赵建国",
        head_id_number=number or DemoPeople(seed=301).resident_id(),
        head_health="serious_illness",
        reason="妻子重病，本人待岗",
        fields=FIELDS,
    )
    if survey:
        services.application_record_survey(
            actor=registry.caseworker_a,
            application=application,
            survey_on=timezone.localdate(),
            visitors="王主席、李干事",
            findings="家中陈设简陋，妻子卧床",
            authorised=True,
        )
    return application


def through_review(registry, application):
    services.application_submit(actor=registry.caseworker_a, application=application)
    return services.application_review(actor=registry.supervisor, application=application)


def posted(registry, *applications, start=None):
    notice = services.notice_create(
        actor=registry.supervisor,
        union=registry.county,
        title="2026年困难职工建档公示",
        place="县总工会一楼公示栏",
        contact="县总工会帮扶中心 0311-1234567",
        start_on=start or timezone.localdate() - timedelta(days=30),
        working_days=5,
        applications=list(applications),
    )
    # today=start: the period began when it was posted, and has since ended (the tests' clock)
    return services.notice_publish(actor=registry.supervisor, notice=notice, today=notice.start_on)


def approver(registry):
    """A second county supervisor: the one who reviewed may not approve."""
    from helpcenter.models import Role, User
    from tests.factories import UserFactory

    return User.objects.filter(username="approver").first() or UserFactory(
        username="approver", union=registry.county, roles=[Role.SUPERVISOR]
    )


def states(*applications) -> list[str]:
    return [type(a).objects.get(pk=a.pk).state for a in applications]


def test_a_registration_goes_from_filing_to_a_registered_household(registry):
    application = file_registration(registry)
    through_review(registry, application)
    notice = posted(registry, application)
    assert states(application) == [State.IN_NOTICE]
    assert services.notice_close(notice=notice) is True
    assert states(application) == [State.AWAITING_APPROVAL]
    application = services.application_approve(actor=approver(registry), application=application)
    household = Household.objects.get(head__name="赵建国")
    assert application.household == household
    assert household.union == registry.union_a
    assert household.monthly_income == Decimal("900.00")
    trail = list(application.steps.values_list("from_state", "to_state"))
    assert trail == [
        ("", "draft"),
        ("draft", "draft"),
        ("draft", "submitted"),
        ("submitted", "reviewed"),
        ("reviewed", "in_notice"),
        ("in_notice", "awaiting_approval"),
        ("awaiting_approval", "approved"),
    ]


def test_the_review_cannot_pass_without_the_survey(registry):
    application = file_registration(registry, survey=False)
    services.application_submit(actor=registry.caseworker_a, application=application)
    with pytest.raises(CaseError):
        services.application_review(actor=registry.supervisor, application=application)
    assert states(application) == [State.SUBMITTED]


def test_filer_reviewer_and_approver_are_different_people(registry):
    from helpcenter.services import staff_grant_roles

    # In a small union one person may hold both roles; the duties still stay apart.
    staff_grant_roles(user=registry.caseworker_a, roles=["supervisor"])
    application = file_registration(registry)
    services.application_submit(actor=registry.caseworker_a, application=application)
    with pytest.raises(DutyConflict):
        services.application_review(actor=registry.caseworker_a, application=application)
    services.application_review(actor=registry.supervisor, application=application)
    services.notice_close(notice=posted(registry, application))
    steps = ApplicationStep.objects.count()
    for person in (registry.caseworker_a, registry.supervisor):
        with pytest.raises(DutyConflict):
            services.application_approve(actor=person, application=application)
    assert states(application) == [State.AWAITING_APPROVAL]
    assert ApplicationStep.objects.count() == steps
    assert not Household.objects.filter(head__name="赵建国").exists()


def test_approving_twice_or_too_early_is_refused_and_changes_nothing(registry):
    application = file_registration(registry)
    through_review(registry, application)
    with pytest.raises(CaseError):
        services.application_approve(actor=approver(registry), application=application)
    services.notice_close(notice=posted(registry, application))
    services.application_approve(actor=approver(registry), application=application)
    steps = ApplicationStep.objects.count()
    with pytest.raises(CaseError):
        services.application_approve(actor=approver(registry), application=application)
    assert ApplicationStep.objects.count() == steps
    assert Household.objects.filter(head__name="赵建国").count() == 1


def test_a_notice_with_no_application_cannot_be_made(registry):
    with pytest.raises(CaseError):
        posted(registry)


def test_editing_an_application_in_notice_is_refused_until_it_is_returned(registry):
    application = file_registration(registry)
    through_review(registry, application)
    posted(registry, application, start=timezone.localdate())
    with pytest.raises(CaseError):
        services.application_update(
            actor=registry.caseworker_a, application=application, reason="改"
        )
    services.application_return(
        actor=registry.supervisor, application=application, reason="收入证明缺失"
    )
    application.refresh_from_db()
    assert (application.state, application.notice, application.decision_reason) == (
        State.RETURNED,
        None,
        "收入证明缺失",
    )
    services.application_update(
        actor=registry.caseworker_a, application=application, reason="已补收入证明"
    )
    services.application_submit(actor=registry.caseworker_a, application=application)
    assert states(application) == [State.SUBMITTED]


def test_an_objection_holds_its_application_until_dismissed(registry):
    first, second = (
        file_registration(registry),
        file_registration(registry, number=DemoPeople(seed=302).resident_id()),
    )
    through_review(registry, first)
    through_review(registry, second)
    notice = posted(registry, first, second)
    objection = services.objection_record(
        actor=registry.supervisor,
        notice=notice,
        application=first,
        channel="hotline",
        received_at=timezone.now(),
        content="据反映该户有两套住房",
    )
    services.notice_close(notice=notice)
    assert states(first, second) == [State.IN_NOTICE, State.AWAITING_APPROVAL]
    approved, refusals = services.notice_approve_all(actor=approver(registry), notice=notice)
    assert (approved, refusals) == (1, [])
    assert states(first) == [State.IN_NOTICE]
    services.objection_resolve(
        actor=registry.supervisor, objection=objection, upheld=False, note="经核实仅一套住房"
    )
    objection.refresh_from_db()
    assert (objection.state, objection.resolved_by) == (
        ObjectionState.DISMISSED,
        registry.supervisor,
    )
    assert states(first) == [State.AWAITING_APPROVAL]


def test_an_upheld_objection_rejects_the_application_with_its_reason(registry):
    application = file_registration(registry)
    through_review(registry, application)
    notice = posted(registry, application)
    objection = services.objection_record(
        actor=registry.supervisor,
        notice=notice,
        application=application,
        channel="letter",
        received_at=timezone.now(),
        content="该户经营雇工企业",
        raised_by="",
    )
    services.objection_resolve(
        actor=registry.supervisor, objection=objection, upheld=True, note="经核实属实"
    )
    application.refresh_from_db()
    assert (application.state, application.decision_reason) == (State.REJECTED, "经核实属实")


def test_closing_is_safe_to_run_twice_and_archives_the_pdf(registry):
    application = file_registration(registry)
    through_review(registry, application)
    notice = posted(registry, application)
    assert services.notices_close_due() == 1
    assert services.notices_close_due() == 0
    notice.refresh_from_db()
    assert notice.state == NoticeState.CLOSED
    pdf = notice.archived_pdf.read()
    assert pdf.startswith(b"%PDF")


def test_a_current_notice_does_not_close_early(registry):
    application = file_registration(registry)
    through_review(registry, application)
    notice = posted(registry, application, start=timezone.localdate())
    assert services.notice_close(notice=notice) is False
    assert states(application) == [State.IN_NOTICE]


def test_the_same_person_cannot_be_proposed_twice(registry):
    with pytest.raises(PersonAlreadyRegistered):
        file_registration(registry, number=registry.household_a.head.id_number)


def test_exit_and_relief_applications_act_on_their_household(registry):
    exit_application = services.application_file_for_household(
        actor=registry.caseworker_a,
        household=registry.household_a,
        kind=Kind.EXIT,
        reason="子女毕业就业，家庭收入稳定",
        follow_up_on=timezone.localdate() + timedelta(days=90),
    )
    relief = relief_application_for(
        household=registry.household_b,
        filer=registry.caseworker_b,
        reason="住院手术",
        amount="1000.00",
    )
    with pytest.raises(CaseError):
        services.application_file_for_household(
            actor=registry.caseworker_b,
            household=registry.household_b,
            kind=Kind.RELIEF,
            reason="x",
            programme="医疗救助",
        )
    for application in (exit_application, relief):
        services.application_submit(actor=application.filed_by, application=application)
        services.application_review(actor=registry.supervisor, application=application)
    notice = posted(registry, exit_application, relief)
    services.notice_close(notice=notice)
    notice.refresh_from_db()
    services.notice_approve_all(actor=approver(registry), notice=notice)
    registry.household_a.refresh_from_db()
    assert registry.household_a.status == Status.EXITED
    assert states(relief) == [State.APPROVED]


def test_the_households_timeline_shows_its_registration_trail(registry):
    from households.selectors import timeline

    application = file_registration(registry)
    through_review(registry, application)
    services.notice_close(notice=posted(registry, application))
    services.application_approve(actor=approver(registry), application=application)
    application.refresh_from_db()
    titles = [entry.title for entry in timeline(application.household)]
    assert titles.count("已建档") == 1
    assert "建档申请：已批准" in titles
    assert "建档申请：审核通过" in titles
    assert "建档申请：公示中" in titles


def test_a_notice_cannot_start_before_it_is_posted_or_run_forever(registry):
    application = file_registration(registry)
    through_review(registry, application)
    kwargs = {
        "actor": registry.supervisor,
        "union": registry.county,
        "title": "公示",
        "place": "公示栏",
        "contact": "帮扶中心",
        "applications": [application],
    }
    for start, days in [
        (timezone.localdate() + timedelta(days=400), 5),
        (timezone.localdate(), 0),
        (timezone.localdate(), 31),
    ]:
        with pytest.raises(CaseError):
            services.notice_create(start_on=start, working_days=days, **kwargs)
    notice = services.notice_create(
        start_on=timezone.localdate() - timedelta(days=3), working_days=5, **kwargs
    )
    with pytest.raises(CaseError):
        services.notice_publish(actor=registry.supervisor, notice=notice)
    notice.refresh_from_db()
    assert (notice.state, notice.end_on) == (NoticeState.DRAFT, None)
    assert states(application) == [State.REVIEWED]


def test_only_a_supervisor_decides_even_through_the_services(registry):
    application = file_registration(registry)
    through_review(registry, application)
    services.notice_close(notice=posted(registry, application))
    for person in (registry.finance, registry.county_caseworker, registry.auditor):
        with pytest.raises(CaseError):
            services.application_approve(actor=person, application=application)
    assert states(application) == [State.AWAITING_APPROVAL]


def test_an_edit_is_on_the_trail_and_the_editor_may_not_approve(registry):
    application = file_registration(registry)
    through_review(registry, application)
    services.application_return(
        actor=registry.supervisor, application=application, reason="金额有误"
    )
    editor = approver(registry)
    steps = application.steps.count()
    services.application_update(actor=editor, application=application, reason="已更正收入")
    assert application.steps.count() == steps + 1
    assert application.steps.last().actor == editor
    services.application_submit(actor=registry.caseworker_a, application=application)
    with pytest.raises(DutyConflict):
        services.application_review(actor=editor, application=application)


def test_the_first_reviewer_stays_a_reviewer_after_a_return(registry):
    application = file_registration(registry)
    through_review(registry, application)  # reviewed by registry.supervisor
    services.application_return(actor=approver(registry), application=application, reason="补材料")
    services.application_submit(actor=registry.caseworker_a, application=application)
    services.application_review(actor=approver(registry), application=application)
    services.notice_close(notice=posted(registry, application))
    with pytest.raises(DutyConflict):
        services.application_approve(actor=registry.supervisor, application=application)


def test_relief_for_a_household_removed_meanwhile_is_refused(registry):
    relief = relief_application_for(
        household=registry.household_b, filer=registry.caseworker_b, reason="住院"
    )
    services.application_submit(actor=registry.caseworker_b, application=relief)
    services.application_review(actor=registry.supervisor, application=relief)
    services.notice_close(notice=posted(registry, relief))
    from households.services import household_remove

    household_remove(actor=registry.supervisor, household=registry.household_b, reason="两套住房")
    with pytest.raises(CaseError):
        services.application_approve(actor=approver(registry), application=relief)
    assert states(relief) == [State.AWAITING_APPROVAL]


def test_an_objection_to_the_whole_notice_holds_approval_and_an_open_one_holds_a_return(registry):
    application = file_registration(registry)
    through_review(registry, application)
    notice = posted(registry, application)
    whole = services.objection_record(
        actor=registry.supervisor,
        notice=notice,
        channel="letter",
        received_at=timezone.now(),
        content="公示时间太短",
    )
    services.notice_close(notice=notice)
    with pytest.raises(CaseError):
        services.application_approve(actor=approver(registry), application=application)
    services.objection_resolve(
        actor=registry.supervisor, objection=whole, upheld=False, note="已按规定公示5个工作日"
    )
    held = services.objection_record(
        actor=registry.supervisor,
        notice=notice,
        application=application,
        channel="phone",
        received_at=timezone.now(),
        content="有私家车",
    )
    with pytest.raises(CaseError):
        services.application_return(actor=registry.supervisor, application=application, reason="x")
    services.objection_resolve(
        actor=registry.supervisor, objection=held, upheld=True, note="属实", outcome=State.RETURNED
    )
    assert states(application) == [State.RETURNED]


def test_a_second_registration_for_one_person_is_refused_while_the_first_is_pending(registry):
    number = DemoPeople(seed=777).resident_id()
    file_registration(registry, number=number)
    with pytest.raises(CaseError) as county_sees:
        services.application_file_registration(
            actor=registry.supervisor,
            union=registry.union_b,
            head_name="赵建国",
            head_id_number=number,
            head_health="healthy",
            reason="重复",
            fields=FIELDS,
        )
    assert "甲厂工会" in county_sees.value.message
    with pytest.raises(CaseError) as other_union_sees:
        services.application_file_registration(
            actor=registry.caseworker_b,
            union=registry.union_b,
            head_name="赵建国",
            head_id_number=number,
            head_health="healthy",
            reason="重复",
            fields=FIELDS,
        )
    assert "甲厂工会" not in other_union_sees.value.message
    assert type(registry.household_a).objects.count() == 2


def test_editing_surveying_or_submitting_another_unions_application_is_refused(workflow):
    """The services check the application's scope themselves, not only the pages' fetch."""
    application = workflow.application_a
    before = (application.reason, application.state, application.steps.count())
    actor = workflow.caseworker_b
    with pytest.raises(CaseError, match="其他工会"):
        services.application_update(actor=actor, application=application, reason="改写")
    with pytest.raises(CaseError, match="其他工会"):
        services.application_record_survey(
            actor=actor,
            application=application,
            survey_on=timezone.localdate(),
            visitors="某人",
            findings="—",
            authorised=True,
        )
    with pytest.raises(CaseError, match="其他工会"):
        services.application_submit(actor=actor, application=application)
    application.refresh_from_db()
    assert (application.reason, application.state, application.steps.count()) == before
