"""Notice-wide actions and objections check the scope of every object they touch.

A county notice lists applicants of union A and of union B. A grassroots supervisor of union A
(supervisor_a) sees it because it lists union A's applicant, but may act only on union A's
applicant: posting it, approving all, an objection to the whole notice, and anything about union
B's applicant or an objection about them are refused — through the pages and through the
services — and union B's rows stay exactly as they were. A notice of union A listing only union
A's applicants is supervisor_a's to run; county supervisors run any notice.
"""

from datetime import timedelta

import pytest
from django.contrib.messages import constants
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import (
    Application,
    ApplicationStep,
    Notice,
    NoticeState,
    Objection,
    ObjectionState,
    State,
)
from cases.services import CaseError
from helpcenter.models import Role, in_scope
from households.models import Household
from tests.factories import UserFactory, relief_application_for

pytestmark = pytest.mark.django_db

OBJECTION_TEXT = "举报人称乙镇该户家中有两套住房"
RAISED_BY = "钱某某"


# --- Building the notices -----------------------------------------------------------------------


def relief(people, household, filer, *, amount="800.00"):
    """A relief application filed by `filer`, submitted and reviewed by the county supervisor."""
    application = relief_application_for(household=household, filer=filer, amount=amount)
    services.application_submit(actor=filer, application=application)
    return services.application_review(actor=people.supervisor, application=application)


def notice(people, *applications, actor=None, union=None, start_on=None, post=True):
    """A notice of `union` (the county's by default), started 30 days ago and posted then."""
    actor = actor or people.supervisor
    created = services.notice_create(
        actor=actor,
        union=union or people.county,
        title="困难职工医疗救助公示",
        place="县总工会一楼公示栏",
        contact="帮扶中心 0311-1234567",
        start_on=start_on or timezone.localdate() - timedelta(days=30),
        working_days=5,
        applications=list(applications),
    )
    if not post:
        return created
    return services.notice_publish(actor=actor, notice=created, today=created.start_on)


@pytest.fixture
def spanning(registry):
    """A county notice listing union A's and union B's relief applications, posted and over."""
    people = registry
    people.application_a = relief(people, people.household_a, people.caseworker_a)
    people.application_b = relief(people, people.household_b, people.caseworker_b, amount="600.00")
    people.notice_a = notice(people, people.application_a, people.application_b)
    return people


def closed(people):
    services.notice_close(notice=people.notice_a)
    people.notice_a.refresh_from_db()
    assert people.notice_a.state == NoticeState.CLOSED
    return people.notice_a


def objection_about(people, application, *, content=OBJECTION_TEXT, raised_by=RAISED_BY):
    return services.objection_record(
        actor=people.supervisor,
        notice=people.notice_a,
        application=application,
        channel="hotline",
        received_at=timezone.now(),
        content=content,
        raised_by=raised_by,
    )


def union_b_rows(people) -> dict:
    """Everything of union B an action could change, and every notice and objection."""
    union_b = people.union_b
    return {
        "applications": list(
            Application.objects.filter(union=union_b)
            .order_by("pk")
            .values_list("pk", "state", "notice_id", "reviewed_by_id", "decided_by_id")
        ),
        "steps": ApplicationStep.objects.filter(application__union=union_b).count(),
        "objections": list(
            Objection.objects.order_by("pk").values_list(
                "pk", "application_id", "state", "resolution_note", "resolved_by_id"
            )
        ),
        "notices": list(Notice.objects.order_by("pk").values_list("pk", "state", "end_on")),
        "households": list(
            Household.objects.filter(union=union_b).order_by("pk").values_list("pk", "status")
        ),
    }


def state_of(application) -> str:
    return Application.objects.get(pk=application.pk).state


def url(name: str, *args) -> str:
    return reverse(f"cases:{name}", args=[getattr(arg, "pk", arg) for arg in args])


def errors(response) -> list[str]:
    return [m.message for m in response.context["messages"] if m.level == constants.ERROR]


def objection_data(application=None, content="有群众反映情况不实") -> dict:
    data = {
        "channel": "phone",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "content": content,
        "raised_by": "",
    }
    if application is not None:
        data["application"] = application.pk
    return data


# --- The one rule ---------------------------------------------------------------------------------


def test_in_scope_is_the_visibility_rule_for_one_object(people):
    assert in_scope(people.supervisor, people.union_b.pk)
    assert in_scope(people.supervisor_a, people.union_a.pk)
    assert not in_scope(people.supervisor_a, people.union_b.pk)
    assert not in_scope(people.supervisor_a, people.county.pk)
    assert not in_scope(people.supervisor_a, None)
    assert in_scope(people.caseworker_a, people.union_a.pk)
    assert not in_scope(people.caseworker_b, people.union_a.pk)


# --- supervisor_a on a notice that spans unions: refused, and nothing of union B changes ---------


def test_approve_all_on_a_spanning_notice_is_refused_through_the_page(client, spanning):
    notice_ = closed(spanning)
    before = union_b_rows(spanning)
    client.force_login(spanning.supervisor_a)
    page = client.get(url("notice_detail", notice_))
    html = page.content.decode()
    assert 'data-testid="approve-all"' not in html
    assert 'data-testid="spans-unions"' in html
    assert page.context["may_approve_all"] is False

    # No confirmation either: the notice is not theirs to act on as a whole.
    assert client.get(url("notice_approve_all", notice_)).status_code == 404
    response = client.post(url("notice_approve_all", notice_), {"comment": "同意"})
    assert response.status_code == 404
    assert union_b_rows(spanning) == before
    # The whole action is refused: not even union A's applicant is approved by it.
    assert state_of(spanning.application_a) == State.AWAITING_APPROVAL


def test_approve_all_on_a_spanning_notice_is_refused_by_the_service(spanning):
    notice_ = closed(spanning)
    before = union_b_rows(spanning)
    with pytest.raises(CaseError, match=r"其他工会|other unions"):
        services.notice_approve_all(actor=spanning.supervisor_a, notice=notice_)
    assert union_b_rows(spanning) == before
    assert state_of(spanning.application_a) == State.AWAITING_APPROVAL


def test_approve_all_never_approves_outside_the_actors_scope(spanning, monkeypatch):
    """Were the notice-wide check and the scoped list of pending applications both bypassed,
    each approval still checks its own application."""
    from cases.models import ApplicationQuerySet

    notice_ = closed(spanning)
    before = union_b_rows(spanning)
    monkeypatch.setattr(services, "_ensure_acts_on_notice", lambda actor, notice: None)
    monkeypatch.setattr(ApplicationQuerySet, "visible_to", lambda self, user: self.all())
    approved, refusals = services.notice_approve_all(actor=spanning.supervisor_a, notice=notice_)
    assert (approved, len(refusals)) == (1, 1)
    assert union_b_rows(spanning) == before
    assert state_of(spanning.application_a) == State.APPROVED


def test_approving_union_b_directly_is_refused(client, spanning):
    closed(spanning)
    before = union_b_rows(spanning)
    client.force_login(spanning.supervisor_a)
    assert client.post(url("application_approve", spanning.application_b)).status_code == 404
    with pytest.raises(CaseError, match=r"其他工会|another union"):
        services.application_approve(
            actor=spanning.supervisor_a, application=spanning.application_b
        )
    assert union_b_rows(spanning) == before


@pytest.mark.parametrize("action", ["application_return", "application_reject"])
def test_returning_or_rejecting_union_b_through_the_service_is_refused(spanning, action):
    before = union_b_rows(spanning)
    with pytest.raises(CaseError):
        getattr(services, action)(
            actor=spanning.supervisor_a, application=spanning.application_b, reason="不符合条件"
        )
    assert union_b_rows(spanning) == before


def test_posting_a_spanning_notice_is_refused(client, spanning):
    """A notice of union A that a county supervisor made with union B's applicant on it:
    supervisor_a sees it (their union's) but may not post it."""
    other_b = relief(spanning, spanning.household_b, spanning.caseworker_b, amount="300.00")
    ours = relief(spanning, spanning.household_a, spanning.caseworker_a, amount="300.00")
    draft = notice(
        spanning, ours, other_b, union=spanning.union_a, start_on=timezone.localdate(), post=False
    )
    before = union_b_rows(spanning)
    client.force_login(spanning.supervisor_a)
    page = client.get(url("notice_detail", draft))
    assert page.status_code == 200
    assert 'data-testid="publish"' not in page.content.decode()
    assert client.get(url("notice_publish", draft)).status_code == 404
    assert client.post(url("notice_publish", draft), {"comment": "同意"}).status_code == 404
    with pytest.raises(CaseError, match=r"其他工会|other unions"):
        services.notice_publish(actor=spanning.supervisor_a, notice=draft)
    assert union_b_rows(spanning) == before
    assert (state_of(ours), state_of(other_b)) == (State.REVIEWED, State.REVIEWED)


def test_a_county_draft_that_spans_unions_is_not_found_and_not_posted(client, spanning):
    ours = relief(spanning, spanning.household_a, spanning.caseworker_a, amount="300.00")
    theirs = relief(spanning, spanning.household_b, spanning.caseworker_b, amount="300.00")
    draft = notice(spanning, ours, theirs, start_on=timezone.localdate(), post=False)
    before = union_b_rows(spanning)
    client.force_login(spanning.supervisor_a)
    assert client.post(url("notice_publish", draft)).status_code == 404
    with pytest.raises(CaseError):
        services.notice_publish(actor=spanning.supervisor_a, notice=draft)
    assert union_b_rows(spanning) == before


def test_listing_another_unions_application_on_a_notice_is_refused(client, spanning):
    theirs = relief(spanning, spanning.household_b, spanning.caseworker_b, amount="300.00")
    ours = relief(spanning, spanning.household_a, spanning.caseworker_a, amount="300.00")
    before = union_b_rows(spanning)
    client.force_login(spanning.supervisor_a)
    form = client.get(reverse("cases:notice_create")).context["form"]
    assert list(form.fields["applications"].queryset) == [ours]
    response = client.post(
        reverse("cases:notice_create"),
        {
            "title": "甲厂公示",
            "place": "厂公示栏",
            "contact": "厂工会",
            "start_on": timezone.localdate().isoformat(),
            "working_days": "5",
            "applications": [ours.pk, theirs.pk],
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["applications"]
    with pytest.raises(CaseError, match=r"跨工会|spans unions"):
        services.notice_create(
            actor=spanning.supervisor_a,
            union=spanning.union_a,
            title="甲厂公示",
            place="厂公示栏",
            contact="厂工会",
            start_on=timezone.localdate(),
            working_days=5,
            applications=[ours, theirs],
        )
    assert union_b_rows(spanning) == before
    assert Application.objects.get(pk=ours.pk).notice is None


def test_an_objection_about_union_bs_applicant_is_refused(client, spanning):
    notice_ = closed(spanning)  # awaiting approval: an objection would put it back in notice
    before = union_b_rows(spanning)
    client.force_login(spanning.supervisor_a)
    form = client.get(url("notice_detail", notice_)).context["objection_form"]
    assert list(form.fields["application"].queryset) == [spanning.application_a]

    response = client.post(url("objection_record", notice_), objection_data(spanning.application_b))
    assert response.status_code == 200
    assert response.context["form"].errors["application"]
    with pytest.raises(CaseError, match=r"其他工会|another union"):
        services.objection_record(
            actor=spanning.supervisor_a,
            notice=notice_,
            application=spanning.application_b,
            channel="phone",
            received_at=timezone.now(),
            content="有群众反映情况不实",
        )
    assert union_b_rows(spanning) == before
    assert state_of(spanning.application_b) == State.AWAITING_APPROVAL


def test_an_objection_to_the_whole_spanning_notice_is_refused(client, spanning):
    notice_ = closed(spanning)
    before = union_b_rows(spanning)
    client.force_login(spanning.supervisor_a)
    form = client.get(url("notice_detail", notice_)).context["objection_form"]
    assert form.fields["application"].required
    offered = [str(value) for value, _label in form.fields["application"].choices if value != ""]
    assert offered == [str(spanning.application_a.pk)]

    response = client.post(url("objection_record", notice_), objection_data())
    assert response.status_code == 200
    assert response.context["form"].errors["application"]
    with pytest.raises(CaseError, match=r"其他工会|other unions"):
        services.objection_record(
            actor=spanning.supervisor_a,
            notice=notice_,
            channel="phone",
            received_at=timezone.now(),
            content="公示时间太短",
        )
    assert union_b_rows(spanning) == before
    assert not Objection.objects.exists()


@pytest.mark.parametrize("decision", ["uphold_reject", "uphold_return", "dismiss"])
def test_resolving_union_bs_objection_is_refused(client, spanning, decision):
    objection = objection_about(spanning, spanning.application_b)
    closed(spanning)
    before = union_b_rows(spanning)
    client.force_login(spanning.supervisor_a)
    resolve = url("objection_resolve", spanning.notice_a, objection)
    response = client.post(resolve, {"decision": decision, "note": "经核实情况属实"})
    assert response.status_code == 404
    arguments = {
        "uphold_reject": {"upheld": True, "outcome": State.REJECTED},
        "uphold_return": {"upheld": True, "outcome": State.RETURNED},
        "dismiss": {"upheld": False},
    }[decision]
    with pytest.raises(CaseError, match=r"其他工会|another union"):
        services.objection_resolve(
            actor=spanning.supervisor_a, objection=objection, note="经核实", **arguments
        )
    assert union_b_rows(spanning) == before
    assert Objection.objects.get(pk=objection.pk).state == ObjectionState.OPEN
    assert state_of(spanning.application_b) == State.IN_NOTICE


def test_resolving_an_objection_to_the_whole_spanning_notice_is_refused(client, spanning):
    whole = services.objection_record(
        actor=spanning.supervisor,
        notice=spanning.notice_a,
        channel="letter",
        received_at=timezone.now(),
        content="公示地点不便群众查看",
    )
    before = union_b_rows(spanning)
    client.force_login(spanning.supervisor_a)
    resolve = url("objection_resolve", spanning.notice_a, whole)
    assert client.get(resolve).status_code == 404
    assert client.post(resolve, {"decision": "dismiss", "note": "已另行张贴"}).status_code == 404
    with pytest.raises(CaseError, match=r"其他工会|other unions"):
        services.objection_resolve(
            actor=spanning.supervisor_a, objection=whole, upheld=False, note="已另行张贴"
        )
    assert union_b_rows(spanning) == before
    assert (
        "公示地点不便群众查看"
        not in client.get(url("notice_detail", spanning.notice_a)).content.decode()
    )


def test_union_bs_objection_is_not_readable_anywhere_by_supervisor_a(client, spanning):
    objection = objection_about(spanning, spanning.application_b)
    client.force_login(spanning.supervisor_a)
    assert client.get(url("objection_resolve", spanning.notice_a, objection)).status_code == 404
    page = client.get(url("notice_detail", spanning.notice_a))
    html = page.content.decode()
    assert OBJECTION_TEXT not in html
    assert RAISED_BY not in html
    assert url("objection_resolve", spanning.notice_a, objection) not in html
    assert list(page.context["objections"]) == []
    # Union B's applicant is listed as the printed notice shows them, without a link or state.
    assert "李四" in html
    assert url("application_detail", spanning.application_b) not in html
    assert url("application_detail", spanning.application_a) in html
    listed = {listing.application.pk: listing.openable for listing in page.context["listings"]}
    assert listed == {spanning.application_a.pk: True, spanning.application_b.pk: False}
    # Nor is it counted for them in the list of notices.
    notices = client.get(reverse("cases:notice_list")).context["notices"]
    assert [(n.pk, n.open_objection_count) for n in notices] == [(spanning.notice_a.pk, 0)]
    assert not client.get(reverse("cases:notice_list"), {"objections": "open"}).context["notices"]
    # The county supervisor reads it.
    client.force_login(spanning.supervisor)
    assert OBJECTION_TEXT in client.get(url("notice_detail", spanning.notice_a)).content.decode()


# --- What supervisor_a may do on the spanning notice: their own applicant, one by one ------------


def test_supervisor_a_acts_on_their_own_applicant_on_a_spanning_notice(client, spanning):
    before = union_b_rows(spanning)
    before.pop("objections")  # one about union A's applicant is added
    client.force_login(spanning.supervisor_a)
    response = client.post(
        url("objection_record", spanning.notice_a),
        objection_data(spanning.application_a, content="甲厂该户情况有疑问"),
    )
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert (objection.application, objection.recorded_by) == (
        spanning.application_a,
        spanning.supervisor_a,
    )
    client.post(
        url("objection_resolve", spanning.notice_a, objection),
        {"decision": "dismiss", "note": "经核实情况属实"},
    )
    assert Objection.objects.get(pk=objection.pk).state == ObjectionState.DISMISSED
    after = union_b_rows(spanning)
    after.pop("objections")
    assert after == before

    closed(spanning)
    before = union_b_rows(spanning)
    response = client.post(
        url("application_approve", spanning.application_a), {"comment": "同意"}, follow=True
    )
    assert not errors(response)
    assert state_of(spanning.application_a) == State.APPROVED
    assert union_b_rows(spanning) == before


# --- A notice of union A listing only union A: supervisor_a runs it -----------------------------


def test_supervisor_a_runs_a_notice_of_their_own_union(client, registry):
    people = registry
    first = relief(people, people.household_a, people.caseworker_a)  # reviewed by the county
    second = relief(people, people.household_a, people.caseworker_a, amount="500.00")
    theirs = relief(people, people.household_b, people.caseworker_b)  # in no notice
    before = union_b_rows(people)
    client.force_login(people.supervisor_a)
    response = client.post(
        reverse("cases:notice_create"),
        {
            "title": "甲厂困难职工救助公示",
            "place": "厂区公示栏",
            "contact": "甲厂工会",
            "start_on": timezone.localdate().isoformat(),
            "working_days": "5",
            "applications": [first.pk, second.pk],
        },
    )
    ours = Notice.objects.get(title="甲厂困难职工救助公示")
    assert response["Location"] == url("notice_detail", ours)
    assert ours.union == people.union_a
    page = client.get(url("notice_detail", ours))
    assert 'data-testid="publish"' in page.content.decode()
    assert 'data-testid="spans-unions"' not in page.content.decode()

    client.post(url("notice_publish", ours), {"comment": "同意公示"})
    ours.refresh_from_db()
    assert ours.state == NoticeState.PUBLISHED
    assert (state_of(first), state_of(second)) == (State.IN_NOTICE, State.IN_NOTICE)

    form = client.get(url("notice_detail", ours)).context["objection_form"]
    assert not form.fields["application"].required
    client.post(url("objection_record", ours), objection_data(content="公示时间太短"))
    whole = Objection.objects.get(application=None)
    assert whole.recorded_by == people.supervisor_a
    assert "公示时间太短" in client.get(url("notice_detail", ours)).content.decode()
    client.post(
        url("objection_resolve", ours, whole),
        {"decision": "dismiss", "note": "已按规定公示5个工作日"},
    )
    whole.refresh_from_db()
    assert (whole.state, whole.resolved_by) == (ObjectionState.DISMISSED, people.supervisor_a)

    services.notice_close(notice=ours, today=ours.end_on + timedelta(days=1))
    page = client.get(url("notice_detail", ours))
    assert 'data-testid="approve-all"' in page.content.decode()
    response = client.post(url("notice_approve_all", ours), {"comment": "同意"}, follow=True)
    assert not errors(response)
    assert (state_of(first), state_of(second)) == (State.APPROVED, State.APPROVED)
    assert Application.objects.get(pk=first.pk).decided_by == people.supervisor_a
    assert state_of(theirs) == State.REVIEWED
    after = union_b_rows(people)
    assert after["applications"] == before["applications"]
    assert after["steps"] == before["steps"]
    assert after["households"] == before["households"]


def test_segregation_of_duties_still_holds_for_supervisor_a(registry):
    """On their own notice supervisor_a may not approve what they reviewed."""
    people = registry
    application = relief_application_for(household=people.household_a, filer=people.caseworker_a)
    services.application_submit(actor=people.caseworker_a, application=application)
    services.application_review(actor=people.supervisor_a, application=application)
    ours = notice(people, application, actor=people.supervisor_a, union=people.union_a)
    services.notice_close(notice=ours)
    approved, refusals = services.notice_approve_all(actor=people.supervisor_a, notice=ours)
    assert (approved, len(refusals)) == (0, 1)
    assert state_of(application) == State.AWAITING_APPROVAL


# --- County supervisors run a spanning notice ---------------------------------------------------


def test_the_county_runs_a_notice_that_spans_unions(client, spanning):
    county = spanning.supervisor
    approver = UserFactory(username="approver", union=spanning.county, roles=[Role.SUPERVISOR])
    client.force_login(county)
    page = client.get(url("notice_detail", spanning.notice_a))
    assert 'data-testid="spans-unions"' not in page.content.decode()
    assert all(listing.openable for listing in page.context["listings"])

    client.post(url("objection_record", spanning.notice_a), objection_data(content="公示太短"))
    client.post(
        url("objection_record", spanning.notice_a),
        objection_data(spanning.application_b, content=OBJECTION_TEXT),
    )
    whole = Objection.objects.get(application=None)
    about_b = Objection.objects.get(application=spanning.application_b)
    client.post(
        url("objection_resolve", spanning.notice_a, whole),
        {"decision": "dismiss", "note": "已按规定公示"},
    )
    client.post(
        url("objection_resolve", spanning.notice_a, about_b),
        {"decision": "dismiss", "note": "住房为租住"},
    )
    assert {whole.pk: ObjectionState.DISMISSED, about_b.pk: ObjectionState.DISMISSED} == dict(
        Objection.objects.values_list("pk", "state")
    )
    closed(spanning)
    client.force_login(approver)
    assert (
        'data-testid="approve-all"'
        in client.get(url("notice_detail", spanning.notice_a)).content.decode()
    )
    response = client.post(
        url("notice_approve_all", spanning.notice_a), {"comment": "同意"}, follow=True
    )
    assert not errors(response)
    assert (state_of(spanning.application_a), state_of(spanning.application_b)) == (
        State.APPROVED,
        State.APPROVED,
    )


def test_the_county_posts_a_spanning_notice(spanning):
    ours = relief(spanning, spanning.household_a, spanning.caseworker_a, amount="300.00")
    theirs = relief(spanning, spanning.household_b, spanning.caseworker_b, amount="300.00")
    draft = notice(spanning, ours, theirs, start_on=timezone.localdate(), post=False)
    services.notice_publish(actor=spanning.supervisor, notice=draft)
    assert (state_of(ours), state_of(theirs)) == (State.IN_NOTICE, State.IN_NOTICE)
