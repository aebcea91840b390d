"""Approving, posting a notice and approving all go through a confirmation page: GET shows what
will happen and asks for the opinion, POST acts and keeps the opinion in the trail. An action
that cannot succeed is shown disabled with the services' own reason, and its POST is still
refused by the service, changing nothing. Review, return and reject pages show the same."""

from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.forms import OpinionForm
from cases.models import Application, ApplicationStep, Kind, Notice, NoticeState, State
from helpcenter.models import Role
from households.models import Household
from tests.factories import UserFactory, registration_for, relief_application_for

pytestmark = pytest.mark.django_db

OPINION = "经审核，情况属实，同意"


def url(name: str, obj) -> str:
    return reverse(f"cases:{name}", args=[obj.pk])


def page_of(response) -> str:
    assert response.status_code == 200
    return unescape(response.content.decode())


def state_of(obj) -> str:
    return type(obj).objects.get(pk=obj.pk).state


def surveyed(application, actor):
    return services.application_record_survey(
        actor=actor,
        application=application,
        survey_on=timezone.localdate(),
        visitors="刘主席、张干事",
        findings="家中陈设简陋，有住院发票",
        authorised=True,
    )


def reviewed(people, application, *, reviewer=None):
    surveyed(application, people.caseworker_a)
    services.application_submit(actor=people.caseworker_a, application=application)
    return services.application_review(actor=reviewer or people.supervisor, application=application)


def notice_of(people, *applications, start_on=None) -> Notice:
    return services.notice_create(
        actor=people.supervisor,
        union=people.county,
        title="2026年第一批困难职工建档公示",
        place="县总工会一楼公示栏",
        contact="帮扶中心 0311-1234567",
        start_on=start_on or timezone.localdate(),
        working_days=5,
        applications=list(applications),
    )


def posted_a_month_ago(people, *applications) -> Notice:
    notice = notice_of(people, *applications, start_on=timezone.localdate() - timedelta(days=30))
    return services.notice_publish(actor=people.supervisor, notice=notice, today=notice.start_on)


def object_to(people, notice, application, content="来电反映该户有一辆私家车"):
    return services.objection_record(
        actor=people.supervisor,
        notice=notice,
        application=application,
        channel="hotline",
        received_at=timezone.now(),
        content=content,
    )


@pytest.fixture
def approver(workflow):
    """A second county supervisor: the reviewer may not approve."""
    return UserFactory(username="approver", union=workflow.county, roles=[Role.SUPERVISOR])


@pytest.fixture
def awaiting(workflow):
    """application_a (a registration) reviewed, posted, objected to, the objection dismissed,
    and the period over: it awaits approval."""
    application = reviewed(workflow, workflow.application_a)
    notice = posted_a_month_ago(workflow, application)
    objection = object_to(workflow, notice, application)
    services.objection_resolve(
        actor=workflow.supervisor, objection=objection, upheld=False, note="车辆登记在其兄名下"
    )
    services.notice_close(notice=notice)
    assert state_of(application) == State.AWAITING_APPROVAL
    return application


def trail(application) -> list[tuple[str, str]]:
    return list(
        ApplicationStep.objects.filter(application=application)
        .order_by("pk")
        .values_list("to_state", "comment")
    )


# --- 审批: one application -------------------------------------------------------------------


def test_the_approval_page_shows_what_is_approved(client, workflow, awaiting, approver):
    client.force_login(approver)
    response = client.get(url("application_approve", awaiting))
    page = page_of(response)
    means_test = response.context["means_test"]
    assert means_test is not None
    assert means_test.reasons and all(reason in page for reason in means_test.reasons)
    assert str(means_test.category_label) in page
    checklist = response.context["checklist"]
    assert checklist and all(item.document_type.name in page for item in checklist)
    assert "刘主席、张干事" in page and "家中陈设简陋，有住院发票" in page
    assert "来电反映该户有一辆私家车" in page and "车辆登记在其兄名下" in page
    assert response.context["refusal"] == ""
    assert 'data-testid="refusal"' not in page


def test_approving_without_an_opinion_is_refused_and_changes_nothing(
    client, workflow, awaiting, approver
):
    steps = trail(awaiting)
    client.force_login(approver)
    response = client.post(url("application_approve", awaiting), {"comment": "  "})
    message = str(OpinionForm.base_fields["comment"].error_messages["required"])
    assert response.context["form"].errors["comment"] == [message]
    assert message in page_of(response)
    assert state_of(awaiting) == State.AWAITING_APPROVAL
    assert trail(awaiting) == steps
    assert not Household.objects.filter(
        head__id_number=awaiting.proposal["head"]["id_number"]
    ).exists()


def test_approving_with_an_opinion_keeps_it_in_the_trail(client, workflow, awaiting, approver):
    client.force_login(approver)
    response = client.post(url("application_approve", awaiting), {"comment": OPINION})
    assert response["Location"] == url("application_detail", awaiting)
    awaiting.refresh_from_db()
    assert (awaiting.state, awaiting.decided_by) == (State.APPROVED, approver)
    assert trail(awaiting)[-1] == (State.APPROVED, OPINION)
    assert Household.objects.filter(head__id_number=awaiting.proposal["head"]["id_number"]).exists()


def test_the_reviewer_sees_approval_disabled_with_the_reason_and_is_refused(
    client, workflow, awaiting
):
    client.force_login(workflow.supervisor)  # who reviewed it
    detail = client.get(url("application_detail", awaiting))
    reason = detail.context["blocked"]["approve"]
    assert "approve" not in detail.context["actions"]
    html = page_of(detail)
    assert 'data-testid="approve-disabled"' in html and reason in html
    assert 'data-testid="approve"' not in html

    confirmation = client.get(url("application_approve", awaiting))
    html = page_of(confirmation)
    assert confirmation.context["refusal"] == reason
    assert 'data-testid="refusal"' in html
    assert 'data-testid="confirm" disabled' in html

    steps = trail(awaiting)
    response = client.post(url("application_approve", awaiting), {"comment": OPINION})
    assert response.context["form"].non_field_errors() == [reason]
    assert state_of(awaiting) == State.AWAITING_APPROVAL
    assert trail(awaiting) == steps


def test_an_open_objection_disables_approval_and_return(client, workflow, awaiting, approver):
    notice = Application.objects.get(pk=awaiting.pk).notice
    object_to(workflow, notice, awaiting, content="又有群众反映其有两套住房")
    assert state_of(awaiting) == State.IN_NOTICE  # held back in notice until resolved
    client.force_login(approver)
    detail = client.get(url("application_detail", awaiting))
    blocked = detail.context["blocked"]
    assert {"approve", "return"} <= blocked.keys()
    assert "reject" in detail.context["actions"]  # an objection upheld ends in a rejection
    html = page_of(detail)
    assert blocked["approve"] in html and 'data-testid="return-disabled"' in html

    confirmation = page_of(client.get(url("application_approve", awaiting)))
    assert "又有群众反映其有两套住房" in confirmation and blocked["approve"] in confirmation
    steps = trail(awaiting)
    client.post(url("application_approve", awaiting), {"comment": OPINION})
    client.post(url("application_return", awaiting), {"reason": "请补充材料"})
    assert state_of(awaiting) == State.IN_NOTICE
    assert trail(awaiting) == steps


# --- 审核 and the other decisions on the application page -------------------------------------


def test_the_review_page_shows_the_same_and_a_missing_survey_disables_it(client, workflow):
    application = workflow.application_a
    services.application_submit(actor=workflow.caseworker_a, application=application)
    client.force_login(workflow.supervisor)
    detail = client.get(url("application_detail", application))
    reason = detail.context["blocked"]["review"]
    assert "review" not in detail.context["actions"]
    assert reason in page_of(detail)

    response = client.get(url("application_review", application))
    html = page_of(response)
    assert response.context["refusal"] == reason
    for part in ("means-test", "checklist", "survey", "objections", "refusal"):
        assert f'data-testid="{part}"' in html
    assert all(line in html for line in response.context["means_test"].reasons)

    steps = trail(application)
    response = client.post(url("application_review", application), {"comment": "同意"})
    assert response.context["form"].non_field_errors() == [reason]
    assert state_of(application) == State.SUBMITTED
    assert trail(application) == steps


def test_a_relief_application_shows_the_households_means_test_and_proof(client, workflow):
    application = workflow.notice_a.applications.get()
    assert application.kind == Kind.RELIEF
    client.force_login(workflow.supervisor)
    response = client.get(url("application_reject", application))
    html = page_of(response)
    assert response.context["refusal"] == ""
    assert response.context["means_test"].reasons[0] in html
    assert [item.document_type for item in response.context["checklist"]]
    assert 'data-testid="confirm" disabled' not in html


# --- 发布公示 ---------------------------------------------------------------------------------


def test_the_posting_page_shows_the_rows_the_period_and_the_place(client, workflow):
    application = reviewed(workflow, workflow.application_a)
    notice = notice_of(workflow, application)
    client.force_login(workflow.supervisor)
    detail = page_of(client.get(url("notice_detail", notice)))
    assert f'href="{url("notice_publish", notice)}"' in detail
    response = client.get(url("notice_publish", notice))
    html = page_of(response)
    end = services.notice_period_end(start=notice.start_on, working_days=5)
    assert response.context["end_on"] == end
    assert f"{end:%Y-%m-%d}" in html and f"{notice.start_on:%Y-%m-%d}" in html
    assert "县总工会一楼公示栏" in html
    assert "王五" in html and workflow.union_a.name in html
    assert response.context["refusal"] == ""
    assert state_of(notice) == NoticeState.DRAFT  # a GET changes nothing


def test_posting_needs_the_opinion_and_keeps_it_in_each_step(client, workflow):
    application = reviewed(workflow, workflow.application_a)
    notice = notice_of(workflow, application)
    client.force_login(workflow.supervisor)
    response = client.post(url("notice_publish", notice), {"comment": ""})
    assert response.context["form"].errors["comment"]
    assert state_of(notice) == NoticeState.DRAFT
    assert state_of(application) == State.REVIEWED

    response = client.post(url("notice_publish", notice), {"comment": "材料齐全，同意公示"})
    assert response["Location"] == url("notice_detail", notice)
    assert state_of(notice) == NoticeState.PUBLISHED
    to_state, comment = trail(application)[-1]
    assert to_state == State.IN_NOTICE
    assert notice.title in comment and "材料齐全，同意公示" in comment


def test_a_notice_whose_start_has_passed_is_shown_disabled_and_refused(client, workflow):
    application = reviewed(workflow, workflow.application_a)
    notice = notice_of(workflow, application, start_on=timezone.localdate() - timedelta(days=1))
    client.force_login(workflow.supervisor)
    detail = client.get(url("notice_detail", notice))
    reason = detail.context["publish_refusal"]
    assert f"{notice.start_on:%Y-%m-%d}" in reason
    html = page_of(detail)
    assert 'data-testid="publish-disabled"' in html and reason in html
    assert 'data-testid="publish"' not in html

    confirmation = client.get(url("notice_publish", notice))
    assert confirmation.context["refusal"] == reason
    assert 'data-testid="confirm" disabled' in page_of(confirmation)
    response = client.post(url("notice_publish", notice), {"comment": "同意公示"})
    assert response.context["form"].non_field_errors() == [reason]
    assert state_of(notice) == NoticeState.DRAFT
    assert state_of(application) == State.REVIEWED


# --- 批准全部无异议申请 ---------------------------------------------------------------------------


@pytest.fixture
def closed_with_two(workflow):
    """A closed notice: application_a awaits approval freely, a second registration is held by
    an objection recorded after the period ended."""
    free = reviewed(workflow, workflow.application_a)
    held = reviewed(workflow, registration_for(workflow.union_a, actor=workflow.caseworker_a))
    notice = posted_a_month_ago(workflow, free, held)
    services.notice_close(notice=notice)
    object_to(workflow, notice, held, content="举报其经营的商店雇有两名店员")
    return notice, free, held


def test_the_approve_all_page_lists_what_is_approved_and_what_is_held(
    client, workflow, closed_with_two, approver
):
    notice, free, held = closed_with_two
    client.force_login(approver)
    response = client.get(url("notice_approve_all", notice))
    html = page_of(response)
    assert response.context["to_approve"] == [free]
    [(application, reason)] = response.context["held"]
    assert application == held
    with pytest.raises(services.CaseError) as refused:  # the service's own words
        services.application_approve(actor=approver, application=held)
    assert reason == refused.value.message
    assert free.applicant_name in html and held.applicant_name in html and reason in html
    assert (state_of(free), state_of(held)) == (State.AWAITING_APPROVAL, State.IN_NOTICE)


def test_approving_all_needs_the_opinion_and_keeps_it(client, workflow, closed_with_two, approver):
    notice, free, held = closed_with_two
    client.force_login(approver)
    response = client.post(url("notice_approve_all", notice), {"comment": ""})
    assert response.context["form"].errors["comment"]
    assert (state_of(free), state_of(held)) == (State.AWAITING_APPROVAL, State.IN_NOTICE)

    client.post(url("notice_approve_all", notice), {"comment": OPINION})
    assert (state_of(free), state_of(held)) == (State.APPROVED, State.IN_NOTICE)
    assert trail(free)[-1] == (State.APPROVED, OPINION)


def test_approve_all_before_the_period_ends_is_disabled_and_refused(client, workflow, approver):
    notice = workflow.notice_a  # posted, still in its period
    application = notice.applications.get()
    client.force_login(approver)
    response = client.get(url("notice_approve_all", notice))
    assert response.context["refusal"]
    assert 'data-testid="confirm" disabled' in page_of(response)
    response = client.post(url("notice_approve_all", notice), {"comment": OPINION})
    assert response.context["form"].non_field_errors()
    assert state_of(application) == State.IN_NOTICE


def test_a_grassroots_supervisor_gets_no_approve_all_on_a_spanning_notice(client, registry):
    people = registry
    ours = relief_application_for(household=people.household_a, filer=people.caseworker_a)
    theirs = relief_application_for(
        household=people.household_b,
        filer=people.caseworker_b,
        reason="生活困难",
        programme="生活救助",
        amount=None,
    )
    for application, filer in ((ours, people.caseworker_a), (theirs, people.caseworker_b)):
        services.application_submit(actor=filer, application=application)
        services.application_review(actor=people.supervisor, application=application)
    notice = posted_a_month_ago(people, ours, theirs)
    services.notice_close(notice=notice)
    client.force_login(people.supervisor_a)
    assert 'data-testid="approve-all"' not in page_of(client.get(url("notice_detail", notice)))
    assert client.get(url("notice_approve_all", notice)).status_code == 404
    assert client.post(url("notice_approve_all", notice), {"comment": OPINION}).status_code == 404
    assert (state_of(ours), state_of(theirs)) == (State.AWAITING_APPROVAL,) * 2
    assert not ApplicationStep.objects.filter(to_state=State.APPROVED).exists()
