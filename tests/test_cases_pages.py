"""Applications and public notices in the browser's terms: each page renders for the people who
may use it, the forms call the services, and the database says what happened. A refusal shows
a message and changes nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.messages import constants
from django.urls import reverse
from django.utils import timezone

from cases import selectors, services
from cases.dashboard import application_cards
from cases.models import (
    Application,
    ApplicationStep,
    Kind,
    Notice,
    NoticeState,
    Objection,
    ObjectionState,
    State,
)
from cases.tasks import close_due_notices
from helpcenter.demo import DemoPeople
from helpcenter.models import Role
from households.choices import Status
from households.models import Household
from households.resident_ids import mask
from relief.models import Programme
from tests.factories import UserFactory, posted_notice, registration_for, relief_application_for

pytestmark = pytest.mark.django_db


def application_url(name: str, application) -> str:
    return reverse(f"cases:{name}", args=[application.pk])


def notice_url(name: str, notice) -> str:
    return reverse(f"cases:{name}", args=[notice.pk])


def message_levels(response) -> list[int]:
    return [message.level for message in response.context["messages"]]


def refreshed(instance):
    instance.refresh_from_db()
    return instance


def registration_data(number: str, **overrides) -> dict:
    return {
        "head_name": "王小明",
        "head_id_number": f" {number[:6]} {number[6:14]} {number[14:].lower()} ",
        "head_health": "serious_illness",
        "employment": "laid_off",
        "size": "3",
        "monthly_income": "1,200.00",
        "housing": "rented",
        "causes": ["illness"],
        "family_situation": "妻子患尿毒症",
        "reason": "妻子重病，本人待岗，家庭收入低",
        **overrides,
    }


def surveyed(application, actor):
    return services.application_record_survey(
        actor=actor,
        application=application,
        survey_on=timezone.localdate(),
        visitors="刘主席、张干事",
        findings="家中陈设简陋",
        authorised=True,
    )


def reviewed(registry, application):
    surveyed(application, registry.caseworker_a)
    services.application_submit(actor=registry.caseworker_a, application=application)
    return services.application_review(actor=registry.supervisor, application=application)


def notice_of(registry, *applications, start_on=None) -> Notice:
    notice = services.notice_create(
        actor=registry.supervisor,
        union=registry.county,
        title="2026年第一批困难职工建档公示",
        place="县总工会一楼公示栏",
        contact="帮扶中心 0311-1234567",
        start_on=start_on or timezone.localdate(),
        working_days=5,
        applications=list(applications),
    )
    return notice


# --- The list and the detail --------------------------------------------------------------------


def test_a_caseworker_lists_only_their_unions_applications(client, workflow):
    client.force_login(workflow.caseworker_a)
    listed = client.get(reverse("cases:application_list")).context["applications"]
    assert workflow.application_a in listed
    assert workflow.application_b not in listed
    client.force_login(workflow.supervisor)
    listed = client.get(reverse("cases:application_list")).context["applications"]
    assert {workflow.application_a, workflow.application_b} <= set(listed)


def test_the_list_filters_by_state_and_kind(client, workflow):
    client.force_login(workflow.supervisor)
    url = reverse("cases:application_list")
    in_notice = client.get(url, {"state": State.IN_NOTICE}).context["applications"]
    assert [application.kind for application in in_notice] == [Kind.RELIEF]
    drafts = client.get(url, {"state": State.DRAFT, "kind": Kind.REGISTRATION})
    assert set(drafts.context["applications"]) == {workflow.application_a, workflow.application_b}
    assert list(client.get(url, {"kind": Kind.EXIT}).context["applications"]) == []


def test_the_detail_shows_the_proposal_the_trail_and_only_the_filers_buttons(client, workflow):
    application = workflow.application_a
    client.force_login(workflow.caseworker_a)
    response = client.get(application_url("application_detail", application))
    assert response.status_code == 200
    assert response.context["actions"] == {"edit", "survey", "submit"}
    page = response.content.decode()
    assert mask(application.proposal["head"]["id_number"]) in page  # tests/test_application_ids.py
    assert "妻子重病，家庭收入低" in page
    assert [step.to_state for step in response.context["steps"]] == [State.DRAFT]
    client.force_login(workflow.finance)
    assert (
        client.get(application_url("application_detail", application)).context["actions"] == set()
    )


def test_another_unions_application_and_notice_are_not_found(client, workflow):
    client.force_login(workflow.caseworker_b)
    assert (
        client.get(application_url("application_detail", workflow.application_a)).status_code == 404
    )
    assert client.get(notice_url("notice_detail", workflow.notice_a)).status_code == 404
    response = client.post(application_url("application_submit", workflow.application_a))
    assert response.status_code == 404
    assert refreshed(workflow.application_a).state == State.DRAFT


# --- Filing, survey, submission ---------------------------------------------------------------


def test_a_caseworker_files_a_registration_for_their_own_union(client, registry):
    number = DemoPeople(seed=501).resident_id()
    client.force_login(registry.caseworker_a)
    data = registration_data(number, union=registry.union_b.pk)  # the fixed union wins
    response = client.post(reverse("cases:application_create"), data)
    application = Application.objects.get(applicant_name="王小明")
    assert response.status_code == 302
    assert response["Location"] == application_url("application_detail", application)
    assert (application.kind, application.state, application.union) == (
        Kind.REGISTRATION,
        State.DRAFT,
        registry.union_a,
    )
    assert application.filed_by == registry.caseworker_a
    assert application.proposal["head"] == {
        "name": "王小明",
        "id_number": number,
        "health": "serious_illness",
    }
    assert application.proposal["fields"]["monthly_income"] == "1200.00"
    assert application.steps.get().actor == registry.caseworker_a
    assert not Household.objects.filter(head__id_number=number).exists()


def test_a_county_caseworker_chooses_the_union(client, registry):
    client.force_login(registry.county_caseworker)
    number = DemoPeople(seed=502).resident_id()
    data = registration_data(number, union=registry.union_b.pk)
    client.post(reverse("cases:application_create"), data)
    assert Application.objects.get(applicant_name="王小明").union == registry.union_b


def test_filing_someone_already_registered_is_refused_and_files_nothing(client, registry):
    client.force_login(registry.caseworker_a)
    number = registry.household_a.head.id_number
    response = client.post(reverse("cases:application_create"), registration_data(number))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Application.objects.exists()


def test_the_survey_and_the_submission_are_recorded(client, workflow):
    application = workflow.application_a
    client.force_login(workflow.caseworker_a)
    response = client.post(
        application_url("application_survey", application),
        {
            "survey_on": timezone.localdate().isoformat(),
            "visitors": "刘主席、张干事",
            "findings": "妻子卧床，家中无存款",
            "authorised": "on",
        },
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.survey_on, application.survey_visitors) == (
        timezone.localdate(),
        "刘主席、张干事",
    )
    assert application.income_check_authorised
    client.post(application_url("application_submit", application))
    application.refresh_from_db()
    assert (application.state, application.submitted_on) == (State.SUBMITTED, timezone.localdate())
    assert list(application.steps.values_list("to_state", flat=True)) == [
        State.DRAFT,
        State.DRAFT,
        State.SUBMITTED,
    ]


def test_a_survey_dated_in_the_future_is_refused(client, workflow):
    client.force_login(workflow.caseworker_a)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        application_url("application_survey", workflow.application_a),
        {"survey_on": tomorrow.isoformat(), "visitors": "刘", "findings": "略", "authorised": "on"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert refreshed(workflow.application_a).survey_on is None


def test_a_relief_application_starts_from_the_household_page(client, registry):
    household = registry.household_a
    client.force_login(registry.caseworker_a)
    page = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    url = reverse("relief:application_file", args=[household.pk])  # under a programme
    assert url in page
    response = client.post(
        url,
        {
            "programme": Programme.objects.get(name="医疗救助").pk,
            "patient": household.head.pk,
            "medical_case": "surgery",
            "cash_amount": "８００元",
            "reason": "住院费用高",
        },
    )
    application = Application.objects.get(household=household)
    assert response["Location"] == application_url("application_detail", application)
    assert (application.kind, application.programme, application.requested_amount) == (
        Kind.RELIEF,
        "医疗救助",
        Decimal("800.00"),
    )
    assert application.union == registry.union_a


def test_an_exit_proposal_needs_a_follow_up_after_today(client, registry):
    client.force_login(registry.caseworker_a)
    url = reverse("cases:application_for_household", args=[registry.household_a.pk])
    today = timezone.localdate().isoformat()
    response = client.post(f"{url}?kind=exit", {"follow_up_on": today, "reason": "已再就业"})
    assert response.context["form"].non_field_errors()
    assert not Application.objects.exists()
    later = (timezone.localdate() + timedelta(days=90)).isoformat()
    client.post(f"{url}?kind=exit", {"follow_up_on": later, "reason": "已再就业"})
    assert Application.objects.get().proposal == {"follow_up_on": later}


def test_finance_sees_no_application_button_on_the_household_page(client, registry):
    client.force_login(registry.finance)
    page = client.get(reverse("households:detail", args=[registry.household_a.pk]))
    assert 'data-testid="new-application"' not in page.content.decode()
    url = reverse("cases:application_for_household", args=[registry.household_a.pk])
    assert client.get(f"{url}?kind=unknown").status_code == 403
    client.force_login(registry.caseworker_a)
    assert client.get(f"{url}?kind=unknown").status_code == 404


def test_a_draft_is_edited_through_the_service(client, workflow):
    application = workflow.application_a
    client.force_login(workflow.caseworker_a)
    data = registration_data("", reason="补充：孩子上高中")
    data["head_id_number"] = application.proposal["head"]["id_number"]
    data["head_name"] = "王五"
    data["monthly_income"] = "900"
    response = client.post(application_url("application_edit", application), data)
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.reason == "补充：孩子上高中"
    assert Decimal(application.proposal["fields"]["monthly_income"]) == Decimal("900.00")
    assert application.proposal["head"]["name"] == "王五"


def test_editing_an_application_in_notice_is_refused_with_a_message(client, workflow):
    application = workflow.notice_a.applications.get()
    before = (application.reason, application.programme, application.requested_amount)
    client.force_login(workflow.caseworker_a)
    response = client.get(application_url("application_edit", application), follow=True)
    assert message_levels(response) == [constants.ERROR]
    response = client.post(  # a relief application is edited on relief's own form
        reverse("relief:application_edit", args=[application.pk]),
        {"programme": application.relief.programme.pk, "reason": "改"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    application.refresh_from_db()
    assert (application.reason, application.programme, application.requested_amount) == before
    assert application.state == State.IN_NOTICE


# --- Review, return, reject ---------------------------------------------------------------------


def test_another_person_reviews_with_a_comment(client, workflow):
    application = workflow.application_a
    surveyed(application, workflow.caseworker_a)
    services.application_submit(actor=workflow.caseworker_a, application=application)
    client.force_login(workflow.supervisor)
    url = application_url("application_review", application)
    assert client.get(url).status_code == 200
    response = client.post(url, {"comment": "材料齐全"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.state, application.reviewed_by) == (State.REVIEWED, workflow.supervisor)
    assert application.steps.last().comment == "材料齐全"


def test_the_review_without_a_survey_is_refused(client, workflow):
    application = workflow.application_a
    services.application_submit(actor=workflow.caseworker_a, application=application)
    client.force_login(workflow.supervisor)
    response = client.post(application_url("application_review", application), {"comment": ""})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert refreshed(application).state == State.SUBMITTED


def test_a_supervisor_may_not_review_what_they_filed(client, registry):
    application = registration_for(registry.union_a, actor=registry.supervisor)
    surveyed(application, registry.supervisor)
    services.application_submit(actor=registry.supervisor, application=application)
    client.force_login(registry.supervisor)
    detail = client.get(application_url("application_detail", application))
    assert "review" not in detail.context["actions"]
    response = client.post(application_url("application_review", application), {"comment": ""})
    assert response.context["form"].non_field_errors()
    assert refreshed(application).state == State.SUBMITTED


def test_return_needs_a_reason_and_the_filer_sees_it(client, workflow):
    application = workflow.notice_a.applications.get()
    client.force_login(workflow.supervisor)
    url = application_url("application_return", application)
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 200
    assert refreshed(application).state == State.IN_NOTICE
    client.post(url, {"reason": "请补充住院发票"})
    application.refresh_from_db()
    assert (application.state, application.notice, application.decision_reason) == (
        State.RETURNED,
        None,
        "请补充住院发票",
    )
    client.force_login(workflow.caseworker_a)
    detail = client.get(application_url("application_detail", application))
    assert "请补充住院发票" in detail.content.decode()
    assert {"edit", "submit"} <= detail.context["actions"]


def test_reject_states_a_reason(client, workflow):
    application = workflow.application_a
    services.application_submit(actor=workflow.caseworker_a, application=application)
    client.force_login(workflow.supervisor)
    client.post(application_url("application_reject", application), {"reason": "家庭收入超标"})
    application.refresh_from_db()
    assert (application.state, application.decision_reason, application.decided_by) == (
        State.REJECTED,
        "家庭收入超标",
        workflow.supervisor,
    )


# --- Notices ------------------------------------------------------------------------------------


def test_the_notice_form_offers_reviewed_applications_in_no_notice(client, workflow):
    ready = reviewed(workflow, workflow.application_a)
    client.force_login(workflow.supervisor)
    response = client.get(reverse("cases:notice_create"))
    offered = list(response.context["form"].fields["applications"].queryset)
    assert offered == [ready]


def test_a_notice_with_no_application_is_refused_by_the_form(client, workflow):
    reviewed(workflow, workflow.application_a)
    client.force_login(workflow.supervisor)
    before = Notice.objects.count()
    response = client.post(
        reverse("cases:notice_create"),
        {
            "title": "公示",
            "place": "公示栏",
            "contact": "帮扶中心",
            "start_on": timezone.localdate().isoformat(),
            "working_days": "5",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["applications"]
    assert Notice.objects.count() == before


def test_a_supervisor_prepares_and_posts_a_notice(client, workflow):
    application = reviewed(workflow, workflow.application_a)
    client.force_login(workflow.supervisor)
    start = timezone.localdate()
    response = client.post(
        reverse("cases:notice_create"),
        {
            "title": " 2026年  建档公示 ",
            "place": "县总工会一楼公示栏",
            "contact": "帮扶中心 0311-1234567",
            "start_on": start.isoformat(),
            "working_days": "5",
            "show_masked_ids": "on",
            "applications": [application.pk],
        },
    )
    notice = Notice.objects.get(title="2026年 建档公示")
    assert response["Location"] == notice_url("notice_detail", notice)
    assert (notice.state, notice.union, notice.show_masked_ids) == (
        NoticeState.DRAFT,
        workflow.county,
        True,
    )
    assert refreshed(application).notice == notice
    client.post(notice_url("notice_publish", notice), {"comment": "同意公示"})
    notice.refresh_from_db()
    assert notice.state == NoticeState.PUBLISHED
    assert notice.end_on == services.notice_period_end(start=start, working_days=5)
    assert refreshed(application).state == State.IN_NOTICE
    page = client.get(notice_url("notice_detail", notice)).content.decode()
    number = application.proposal["head"]["id_number"]
    assert "王五" in page
    assert f"{number[:6]}********{number[-4:]}" in page
    assert number not in page


def test_a_notice_left_without_applications_cannot_be_posted(client, workflow):
    application = reviewed(workflow, workflow.application_a)
    notice = notice_of(workflow, application)
    services.application_return(actor=workflow.supervisor, application=application, reason="补")
    client.force_login(workflow.supervisor)
    response = client.post(notice_url("notice_publish", notice), {"comment": "同意公示"})
    assert response.context["form"].non_field_errors()
    assert refreshed(notice).state == NoticeState.DRAFT


def test_the_notice_page_shows_the_calendar_note_when_there_is_one(client, workflow):
    notice = workflow.notice_a
    Notice.objects.filter(pk=notice.pk).update(calendar_note="2027年节假日安排尚未公布")
    client.force_login(workflow.caseworker_a)
    response = client.get(notice_url("notice_detail", notice))
    assert 'data-testid="calendar-note"' in response.content.decode()
    assert "2027年节假日安排尚未公布" in response.content.decode()


def test_the_print_view_and_the_pdf(client, workflow):
    client.force_login(workflow.caseworker_a)
    page = client.get(notice_url("notice_print", workflow.notice_a))
    assert "张三" in page.content.decode()
    response = client.get(notice_url("notice_pdf", workflow.notice_a))
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert ".pdf" in response["Content-Disposition"]


# --- Objections, closing, approval --------------------------------------------------------------


def test_an_objection_is_recorded_and_dismissed(client, workflow):
    notice = workflow.notice_a
    application = notice.applications.get()
    client.force_login(workflow.supervisor)
    response = client.post(
        notice_url("objection_record", notice),
        {
            "channel": "hotline",
            "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "content": "据反映该户有私家车",
            "raised_by": "",
            "application": application.pk,
        },
    )
    assert response["Location"].endswith("#objections")
    objection = Objection.objects.get()
    assert (objection.application, objection.raised_by, objection.recorded_by) == (
        application,
        "",
        workflow.supervisor,
    )
    assert "据反映该户有私家车" in application.steps.last().comment
    resolve = reverse("cases:objection_resolve", args=[notice.pk, objection.pk])
    assert client.get(resolve).status_code == 200
    client.post(resolve, {"decision": "dismiss", "note": "经核实车辆为单位所有"})
    objection.refresh_from_db()
    assert (objection.state, objection.resolution_note, objection.resolved_by) == (
        ObjectionState.DISMISSED,
        "经核实车辆为单位所有",
        workflow.supervisor,
    )
    assert refreshed(application).state == State.IN_NOTICE


def test_an_upheld_objection_can_return_the_application(client, workflow):
    notice = workflow.notice_a
    application = notice.applications.get()
    objection = services.objection_record(
        actor=workflow.supervisor,
        notice=notice,
        application=application,
        channel="letter",
        received_at=timezone.now(),
        content="金额有误",
    )
    client.force_login(workflow.supervisor)
    client.post(
        reverse("cases:objection_resolve", args=[notice.pk, objection.pk]),
        {"decision": "uphold_return", "note": "金额应按发票核定"},
    )
    application.refresh_from_db()
    assert (application.state, application.decision_reason) == (
        State.RETURNED,
        "金额应按发票核定",
    )
    assert refreshed(objection).state == ObjectionState.UPHELD


def test_an_objection_against_a_draft_notice_is_refused(client, workflow):
    notice = notice_of(workflow, reviewed(workflow, workflow.application_a))
    client.force_login(workflow.supervisor)
    response = client.post(
        notice_url("objection_record", notice),
        {
            "channel": "phone",
            "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "content": "有异议",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Objection.objects.exists()


def test_viewing_a_notice_after_its_period_closes_it_and_approval_registers_the_file(
    client, workflow
):
    application = reviewed(workflow, workflow.application_a)
    notice = notice_of(workflow, application, start_on=timezone.localdate() - timedelta(days=30))
    services.notice_publish(actor=workflow.supervisor, notice=notice, today=notice.start_on)
    client.force_login(workflow.auditor)
    response = client.get(notice_url("notice_detail", notice))
    assert message_levels(response) == [constants.INFO]
    notice.refresh_from_db()
    assert notice.state == NoticeState.CLOSED
    assert notice.archived_pdf
    assert refreshed(application).state == State.AWAITING_APPROVAL

    second_supervisor = UserFactory(union=workflow.county, roles=[Role.SUPERVISOR])
    client.force_login(second_supervisor)
    detail = client.get(application_url("application_detail", application))
    assert "approve" in detail.context["actions"]
    response = client.post(
        application_url("application_approve", application), {"comment": "同意"}, follow=True
    )
    assert message_levels(response) == [constants.SUCCESS]
    application.refresh_from_db()
    household = Household.objects.get(head__id_number=application.proposal["head"]["id_number"])
    assert (application.state, application.household, application.decided_by) == (
        State.APPROVED,
        household,
        second_supervisor,
    )
    assert (household.union, household.status) == (workflow.union_a, Status.REGISTERED)
    assert list(application.steps.values_list("to_state", flat=True)) == [
        State.DRAFT,
        State.DRAFT,
        State.SUBMITTED,
        State.REVIEWED,
        State.IN_NOTICE,
        State.AWAITING_APPROVAL,
        State.APPROVED,
    ]

    steps = ApplicationStep.objects.count()
    response = client.post(application_url("application_approve", application), {"comment": "同意"})
    assert response.context["form"].non_field_errors()
    assert ApplicationStep.objects.count() == steps
    assert Household.objects.filter(pk=household.pk).count() == 1


def test_the_reviewer_may_not_approve(client, workflow):
    application = reviewed(workflow, workflow.application_a)
    notice = notice_of(workflow, application, start_on=timezone.localdate() - timedelta(days=30))
    services.notice_publish(actor=workflow.supervisor, notice=notice, today=notice.start_on)
    services.notice_close(notice=notice)
    client.force_login(workflow.supervisor)  # who reviewed it
    assert (
        "approve"
        not in client.get(application_url("application_detail", application)).context["actions"]
    )
    response = client.post(application_url("application_approve", application), {"comment": "同意"})
    assert response.context["form"].non_field_errors()
    assert refreshed(application).state == State.AWAITING_APPROVAL
    assert not Household.objects.filter(
        head__id_number=application.proposal["head"]["id_number"]
    ).exists()


def test_a_supervisor_may_not_approve_what_they_filed(client, registry):
    filer = registry.supervisor
    reviewer = UserFactory(union=registry.county, roles=[Role.SUPERVISOR])
    application = registration_for(registry.union_a, actor=filer)
    surveyed(application, filer)
    services.application_submit(actor=filer, application=application)
    services.application_review(actor=reviewer, application=application)
    notice = services.notice_create(
        actor=reviewer,
        union=registry.county,
        title="公示",
        place="公示栏",
        contact="帮扶中心",
        start_on=timezone.localdate() - timedelta(days=30),
        working_days=5,
        applications=[application],
    )
    services.notice_publish(actor=reviewer, notice=notice, today=notice.start_on)
    services.notice_close(notice=notice)
    client.force_login(filer)
    response = client.post(application_url("application_approve", application), {"comment": "同意"})
    assert response.context["form"].non_field_errors()
    assert refreshed(application).state == State.AWAITING_APPROVAL


def test_approve_all_on_a_closed_notice(client, workflow):
    first = reviewed(workflow, workflow.application_a)
    second = registration_for(workflow.union_a, actor=workflow.caseworker_a)
    reviewed(workflow, second)
    notice = notice_of(workflow, first, second, start_on=timezone.localdate() - timedelta(days=30))
    services.notice_publish(actor=workflow.supervisor, notice=notice, today=notice.start_on)
    approver = UserFactory(union=workflow.county, roles=[Role.SUPERVISOR])
    client.force_login(approver)
    page = client.get(notice_url("notice_detail", notice)).content.decode()
    assert 'data-testid="approve-all"' in page
    client.post(notice_url("notice_approve_all", notice), {"comment": "同意"})
    assert {refreshed(first).state, refreshed(second).state} == {State.APPROVED}
    assert Household.objects.filter(union=workflow.union_a).count() == 3


def test_a_closed_notice_serves_its_archived_pdf(client, workflow):
    application = reviewed(workflow, workflow.application_a)
    notice = notice_of(workflow, application, start_on=timezone.localdate() - timedelta(days=30))
    services.notice_publish(actor=workflow.supervisor, notice=notice, today=notice.start_on)
    services.notice_close(notice=notice)
    notice.refresh_from_db()
    archived = notice.archived_pdf.read()
    client.force_login(workflow.supervisor)
    response = client.get(notice_url("notice_pdf", notice))
    assert b"".join(response.streaming_content) == archived


# --- The daily task and the inboxes ---------------------------------------------------------------


def test_the_daily_task_closes_due_notices_and_is_safe_to_run_twice(workflow):
    application = reviewed(workflow, workflow.application_a)
    notice = notice_of(workflow, application, start_on=timezone.localdate() - timedelta(days=30))
    services.notice_publish(actor=workflow.supervisor, notice=notice, today=notice.start_on)
    # apply(): run here, in the test database (a real worker would use its own database)
    assert close_due_notices.apply().get() == 1
    assert close_due_notices.apply().get() == 0
    assert refreshed(notice).state == NoticeState.CLOSED
    assert refreshed(workflow.notice_a).state == NoticeState.PUBLISHED  # still in its period


def test_the_task_is_scheduled_daily_at_half_past_midnight():
    entry = settings.CELERY_BEAT_SCHEDULE["close-due-notices"]
    assert entry["task"] == close_due_notices.name
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({0}, {30})
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"


def test_the_caseworkers_inbox(client, workflow):
    inbox = list(application_cards(workflow.caseworker_a))
    assert [card.count for card in inbox] == [1, 0, 0]
    application = workflow.application_a
    services.application_submit(actor=workflow.caseworker_a, application=application)
    Application.objects.filter(pk=application.pk).update(
        submitted_on=timezone.localdate() - timedelta(days=20)
    )
    inbox = list(application_cards(workflow.caseworker_a))
    assert [card.count for card in inbox] == [0, 0, 1]
    client.force_login(workflow.caseworker_a)
    listed = client.get(inbox[2].url).context["applications"]
    assert listed == [refreshed(application)]
    assert [card.count for card in application_cards(workflow.caseworker_b)] == [1, 0, 0]


def test_the_supervisors_inbox(workflow):
    services.application_submit(actor=workflow.caseworker_b, application=workflow.application_b)
    services.objection_record(
        actor=workflow.supervisor,
        notice=workflow.notice_a,
        channel="phone",
        received_at=timezone.now(),
        content="匿名来电",
    )
    inbox = {str(card.url): card.count for card in application_cards(workflow.supervisor)}
    assert list(inbox.values()) == [1, 0, 0, 1]
    late = posted_notice(
        household=workflow.household_b,
        filer=workflow.caseworker_b,
        supervisor=workflow.supervisor,
        start_on=timezone.localdate() - timedelta(days=30),
    )
    counts = [card.count for card in application_cards(workflow.supervisor)]
    assert counts[1] == 1  # ended, not yet closed
    services.notice_close(notice=late)
    counts = [card.count for card in application_cards(workflow.supervisor)]
    assert counts[1:3] == [0, 1]


def test_finance_sees_approved_relief_to_pay(workflow):
    relief = workflow.notice_a.applications.get()
    assert [card.count for card in application_cards(workflow.finance)] == [0]
    Application.objects.filter(pk=relief.pk).update(state=State.APPROVED)
    assert [card.count for card in application_cards(workflow.finance)] == [1]
    assert application_cards(workflow.auditor) == []


def test_the_survey_deadline_counts_working_days_like_the_services():
    from datetime import date

    today = date(2026, 2, 24)  # just after the Spring Festival holiday
    cutoff = selectors.survey_due_cutoff(today)
    for offset in range(1, 30):
        day = today - timedelta(days=offset)
        due = services.working_days_since(day, today=today) >= selectors.SURVEY_WORKING_DAYS
        assert (day <= cutoff) == due, day


def test_a_grassroots_caseworker_reads_only_objections_about_their_own_applicants(client, registry):
    from tests.test_cases_services import file_registration, posted, through_review

    ours = file_registration(registry)  # union A
    theirs = services.application_file_for_household(
        actor=registry.caseworker_b,
        household=registry.household_b,
        kind=Kind.REMOVAL,
        reason="两套住房",
    )
    through_review(registry, ours)
    services.application_submit(actor=registry.caseworker_b, application=theirs)
    services.application_review(actor=registry.supervisor, application=theirs)
    notice = posted(registry, ours, theirs)
    services.objection_record(
        actor=registry.supervisor,
        notice=notice,
        application=ours,
        channel="hotline",
        received_at=timezone.now(),
        content="举报人陈某某称该户患精神病",
        raised_by="陈某某",
    )
    client.force_login(registry.caseworker_b)
    page = client.get(reverse("cases:notice_detail", args=[notice.pk]))
    assert page.status_code == 200
    assert "精神病" not in page.content.decode()
    assert "陈某某" not in page.content.decode()
    client.force_login(registry.caseworker_a)
    assert "精神病" in client.get(reverse("cases:notice_detail", args=[notice.pk])).content.decode()


def test_a_county_notice_being_prepared_is_hidden_from_grassroots_staff(client, registry):
    from tests.test_cases_services import file_registration, through_review

    application = file_registration(registry)
    through_review(registry, application)
    draft = services.notice_create(
        actor=registry.supervisor,
        union=registry.county,
        title="草稿公示",
        place="公示栏",
        contact="中心",
        start_on=timezone.localdate(),
        working_days=5,
        applications=[application],
    )
    client.force_login(registry.caseworker_a)
    assert client.get(reverse("cases:notice_detail", args=[draft.pk])).status_code == 404


def test_a_relief_application_shows_the_households_proof_checklist(client, registry):
    relief = relief_application_for(
        household=registry.household_a, filer=registry.caseworker_a, reason="住院", amount="500"
    )
    client.force_login(registry.supervisor)
    page = client.get(reverse("cases:application_detail", args=[relief.pk]))
    codes = {item.document_type.code for item in page.context["checklist"]}
    assert {"diagnosis", "hospital_bills"} <= codes
