"""Browser journey: a caseworker files a registration with its home-visit survey and submits it;
a supervisor reviews it, prepares and posts a public notice, records an objection and dismisses
it; when the period has passed the notice page closes the notice, and a second supervisor
(the reviewer may not approve) approves. The household is then in the registry with the whole
trail. Screenshots: test-artifacts/journey/notice-*.png.

The pages are found by element ids, data-testid and addresses, and their words through the
catalogue (str(label)), so the journey reads the same in English and in Chinese."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from playwright.sync_api import Page, expect

from cases import services
from cases.models import Application, Notice, NoticeState, ObjectionState, State
from helpcenter.demo import DemoPeople
from helpcenter.models import Role
from households.models import Household
from tests.browser import (  # noqa: F401  (fixtures)
    allow_orm_beside_playwright,
    browser_type_launch_args,
    log_in,
    no_axe_violations,
    no_csp_violations,
    shot,
)
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_out(page: Page) -> None:
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()


def submit(page: Page) -> None:
    page.locator("form.hc-form button[type=submit]").click()


def test_a_registration_goes_through_review_notice_objection_and_approval(
    page: Page, live_server, registry
):
    base = live_server.url
    number = DemoPeople(seed=909).resident_id()
    spouse_number = DemoPeople(seed=910).resident_id()
    approver = UserFactory(username="supervisor_2", union=registry.county, roles=[Role.SUPERVISOR])

    # The caseworker files the registration, records the home visit and submits.
    log_in(page, base, "caseworker_a")
    page.get_by_test_id("main-nav").locator('a[href="/cases/applications/"]').click()
    page.get_by_test_id("new-registration").click()
    # On a tablet (820 px): the form in sections; a submit with gaps lists them at the top.
    page.set_viewport_size({"width": 820, "height": 1180})
    expect(page.locator("#id_size")).to_have_count(0)
    expect(page.locator("#id_employment option").first).to_have_text("请选择")
    submit(page)
    expect(page.get_by_test_id("error-summary")).to_be_focused()
    expect(page.get_by_test_id("error-summary").locator('a[href="#id_head_name"]')).to_be_visible()
    shot(page, "notice-0-registration-errors-820")
    page.get_by_test_id("error-summary").locator('a[href="#id_head_name"]').click()
    expect(page.locator("#id_head_name")).to_be_focused()
    page.locator("#id_head_name").fill("陈卫东")
    page.locator("#id_head_id_number").fill(f"{number[:6]} {number[6:14]} {number[14:]}")
    page.locator("#id_head_health").select_option("serious_illness")
    page.locator("#id_employment").select_option("laid_off")
    page.locator("#id_monthly_income").fill("1,100.00")
    page.locator("#id_housing").select_option("rented")
    page.locator("input[name=causes][value=illness]").check()
    page.locator("#id_family_situation").fill("本人患肝硬化，妻子务农，孩子上小学")
    page.locator("#id_reason").fill("本人重病不能工作，医疗费用高，家庭收入低")
    shot(page, "notice-1-registration-820")
    submit(page)

    application = Application.objects.get(applicant_name="陈卫东")
    expect(page.get_by_test_id("state")).to_have_text(str(State.DRAFT.label))
    # The family is on the application: the wife is added; the size and the means test follow.
    page.get_by_test_id("add-member").click()
    page.locator("#id_relation").select_option("spouse")
    page.locator("#id_name").fill("王秀兰")
    page.locator("#id_id_number").fill(spouse_number)
    page.locator("#id_health").select_option("healthy")
    page.locator("#id_employment").fill("务农")
    page.locator("#id_monthly_income").fill("300")
    submit(page)
    expect(page.get_by_test_id("member")).to_have_count(1)
    expect(page.get_by_test_id("member")).to_contain_text("王秀兰")
    expect(page.get_by_test_id("member")).not_to_contain_text(spouse_number)
    expect(page.get_by_test_id("household-size")).to_contain_text("2")
    expect(page.get_by_test_id("means-test-category")).not_to_be_empty()
    shot(page, "notice-1b-family-820")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.get_by_test_id("actions").locator('a[href$="/survey/"]').click()
    page.locator("#id_visitors").fill("刘主席、张干事")
    page.locator("#id_findings").fill("家中陈设简陋，本人卧床，有住院发票")
    page.locator("#id_authorised").check()
    submit(page)
    expect(page.get_by_test_id("survey")).to_contain_text("刘主席、张干事")
    page.get_by_test_id("actions").locator('form[action$="/submit/"] button').click()
    expect(page.get_by_test_id("state")).to_have_text(str(State.SUBMITTED.label))
    shot(page, "notice-2-submitted")
    log_out(page)

    # A supervisor opens the review inbox and reviews.
    log_in(page, base, "supervisor")
    to_review = page.get_by_test_id("cards").locator(
        ".card", has_text=str(_("Applications to review"))
    )
    expect(to_review.locator(".hc-card-count")).to_have_text("1")
    shot(page, "notice-3-inbox")
    to_review.get_by_role("link").click()
    shot(page, "notice-4-to-review")
    page.get_by_test_id("application-table").get_by_role("link", name="陈卫东").click()
    page.get_by_test_id("actions").locator('a[href$="/review/"]').click()
    # The review page shows what the decision rests on: the means test, proof, survey.
    expect(page.get_by_test_id("means-test")).to_be_visible()
    expect(page.get_by_test_id("survey")).to_contain_text("刘主席、张干事")
    page.locator("#id_comment").fill("入户调查属实，材料齐全")
    shot(page, "notice-5a-review-page")
    submit(page)
    expect(page.get_by_test_id("state")).to_have_text(str(State.REVIEWED.label))
    shot(page, "notice-5-reviewed")

    # The supervisor prepares the notice and posts it from today.
    page.get_by_test_id("main-nav").locator('a[href="/cases/notices/"]').click()
    page.get_by_test_id("new-notice").click()
    page.locator("#id_title").fill("2026年第一批困难职工建档公示")
    page.locator("#id_place").fill("县总工会一楼公示栏、甲厂厂务公开栏")
    page.locator("#id_contact").fill("县总工会帮扶中心 0311-1234567")
    page.locator("#id_show_masked_ids").check()
    page.locator(f"input[name=applications][value='{application.pk}']").check()
    shot(page, "notice-6-prepare")
    page.get_by_test_id("notice-form").locator("button[type=submit]").click()
    # The confirmation page: the rows as they will be posted, the period and its end, the place.
    page.get_by_test_id("publish").click()
    draft = Notice.objects.get()
    end = services.notice_period_end(start=draft.start_on, working_days=draft.working_days)
    expect(page.get_by_test_id("end-on")).to_have_text(f"{end:%Y-%m-%d}")
    expect(page.get_by_test_id("period")).to_contain_text("甲厂厂务公开栏")
    expect(page.get_by_test_id("notice-rows")).to_contain_text("陈卫东")
    page.locator("#id_comment").fill("材料齐全，同意公示")
    shot(page, "notice-6a-post-confirmation")
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("notice-state")).to_have_text(str(NoticeState.PUBLISHED.label))
    rows = page.get_by_test_id("notice-rows")
    expect(rows).to_contain_text("陈卫东")
    expect(rows).to_contain_text(f"{number[:6]}********{number[-4:]}")
    expect(rows).not_to_contain_text(number)
    notice = Notice.objects.get()
    assert notice.end_on >= timezone.localdate()
    shot(page, "notice-7-posted")

    # An anonymous call to the 12351 hotline objects; the supervisor records it.
    page.get_by_test_id("objection-toggle").click()
    form = page.get_by_test_id("objection-form")
    form.locator("#id_channel").select_option("hotline")
    form.locator("#id_application").select_option(str(application.pk))
    form.locator("#id_content").fill("来电反映该户家中有一辆私家车")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("objection-state")).to_have_text(str(ObjectionState.OPEN.label))
    shot(page, "notice-8-objection")

    # The investigation finds nothing: dismissed, with a note.
    resolve = page.get_by_test_id("resolve-form")
    resolve.locator("input[name=decision][value=dismiss]").check()
    resolve.locator("textarea[name=note]").fill("经核实车辆登记在其兄名下，本人无车")
    resolve.locator("button[type=submit]").click()
    expect(page.get_by_test_id("objection-state")).to_have_text(str(ObjectionState.DISMISSED.label))
    shot(page, "notice-9-dismissed")
    log_out(page)

    # A month passes (the notice is moved back in time). The next person to open it closes it.
    start = notice.start_on - timedelta(days=30)
    Notice.objects.filter(pk=notice.pk).update(
        start_on=start, end_on=services.notice_period_end(start=start, working_days=5)
    )
    log_in(page, base, "supervisor_2")
    page.goto(f"{base}/cases/notices/{notice.pk}/")
    expect(page.get_by_test_id("notice-state")).to_have_text(str(NoticeState.CLOSED.label))
    expect(page.get_by_test_id("notice-applications")).to_contain_text(
        str(State.AWAITING_APPROVAL.label)
    )
    shot(page, "notice-10-closed")
    # The confirmation page: what will be approved, what is held; the opinion goes in the trail.
    page.get_by_test_id("approve-all").click()
    expect(page.get_by_test_id("to-approve")).to_contain_text("陈卫东")
    page.get_by_test_id("confirm").click()  # without the opinion: refused, nothing changes
    expect(page.locator("#id_comment")).to_have_class(re.compile("is-invalid"))
    assert Application.objects.get(pk=application.pk).state == State.AWAITING_APPROVAL
    page.locator("#id_comment").fill("公示无异议，同意建档")
    shot(page, "notice-10a-approve-all-confirmation")
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("notice-applications")).to_contain_text(str(State.APPROVED.label))
    shot(page, "notice-11-approved")

    # The household is in the registry, and the application keeps the whole trail.
    household = Household.objects.get(head__id_number=number)
    assert household.size == 2
    assert list(
        household.members.exclude(pk=household.head_id).values_list("name", "id_number")
    ) == [("王秀兰", spouse_number)]
    assert household.classifications.count() == 1
    application.refresh_from_db()
    assert (application.state, application.household) == (State.APPROVED, household)
    assert (application.filed_by, application.reviewed_by, application.decided_by) == (
        registry.caseworker_a,
        registry.supervisor,
        approver,
    )
    assert list(application.steps.values_list("from_state", "to_state")) == [
        ("", State.DRAFT),
        (State.DRAFT, State.DRAFT),  # the wife added
        (State.DRAFT, State.DRAFT),  # the home-visit survey
        (State.DRAFT, State.SUBMITTED),
        (State.SUBMITTED, State.REVIEWED),
        (State.REVIEWED, State.IN_NOTICE),
        (State.IN_NOTICE, State.IN_NOTICE),  # the objection
        (State.IN_NOTICE, State.AWAITING_APPROVAL),
        (State.AWAITING_APPROVAL, State.APPROVED),
    ]

    page.get_by_test_id("main-nav").locator('a[href="/households/"]').click()
    page.locator("#id_q").fill("陈卫东")
    page.locator("#id_q").press("Enter")
    table = page.get_by_test_id("household-table")
    expect(table).to_contain_text("陈卫东")
    expect(table).to_contain_text(household.file_number)
    # The category reviewed and shown on the notice is the file's first classification.
    expect(table).to_contain_text(str(household.classifications.get().get_category_display()))
    shot(page, "notice-12-registry")

    page.goto(f"{base}/cases/applications/{application.pk}/")
    trail = page.get_by_test_id("trail")
    expect(trail.locator("li")).to_have_count(9)
    expect(trail).to_contain_text("入户调查属实，材料齐全")
    expect(trail).to_contain_text("材料齐全，同意公示")
    expect(trail).to_contain_text("公示无异议，同意建档")
    expect(trail).to_contain_text(str(State.APPROVED.label))
    shot(page, "notice-13-trail")
