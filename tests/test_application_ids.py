"""A registration application's proposed resident ID is masked (6+4) on every page by default;
?reveal=ids shows it in full to those allowed (households.view_resident_id, the household page's
rule) and logs each read; others are refused. The edit form never shows it in full."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from helpcenter.demo import DemoPeople
from households.models import PersonalDataRead
from households.resident_ids import mask

pytestmark = pytest.mark.django_db

ALL_WHO_SEE_THE_APPLICATION = [
    "caseworker_a",
    "county_caseworker",
    "supervisor",
    "supervisor_a",
    "finance",
    "administrator",
    "administrator_a",
    "auditor",
]
MAY_REVEAL = ["caseworker_a", "county_caseworker", "supervisor", "supervisor_a"]
MAY_NOT_REVEAL = ["finance", "administrator", "administrator_a", "auditor"]


def detail_url(application, **query) -> str:
    url = reverse("cases:application_detail", args=[application.pk])
    return f"{url}?reveal=ids" if query.get("reveal") else url


def head_id(application) -> str:
    return application.proposal["head"]["id_number"]


@pytest.mark.parametrize("name", ALL_WHO_SEE_THE_APPLICATION)
def test_the_proposed_id_is_masked_by_default_for_every_role(client, workflow, name):
    application = workflow.application_a
    number = head_id(application)
    client.force_login(workflow[name])
    response = client.get(detail_url(application))
    page = response.content.decode()
    assert response.status_code == 200
    assert number not in page
    assert mask(number) in page
    assert ('data-testid="reveal-ids"' in page) == (name in MAY_REVEAL)
    assert not PersonalDataRead.objects.exists()


@pytest.mark.parametrize("name", MAY_REVEAL)
def test_a_reveal_shows_the_full_id_and_logs_each_read(client, workflow, name):
    application = workflow.application_a
    client.force_login(workflow[name])
    for _ in range(2):
        response = client.get(detail_url(application, reveal=True))
        assert response.status_code == 200
        assert head_id(application) in response.content.decode()
    reads = PersonalDataRead.objects.all()
    assert [(r.reader, r.application, r.household) for r in reads] == [
        (workflow[name], application, None)
    ] * 2
    assert list(PersonalDataRead.objects.visible_to(workflow[name])) == list(reads)
    assert not PersonalDataRead.objects.visible_to(workflow.caseworker_b).exists()


@pytest.mark.parametrize("name", MAY_NOT_REVEAL)
def test_a_reveal_is_refused_to_finance_administrators_and_auditors(client, workflow, name):
    client.force_login(workflow[name])
    response = client.get(detail_url(workflow.application_a, reveal=True))
    assert response.status_code == 403
    assert head_id(workflow.application_a) not in response.content.decode()
    assert not PersonalDataRead.objects.exists()


def test_another_unions_application_is_not_revealed(client, workflow):
    client.force_login(workflow.caseworker_b)
    assert client.get(detail_url(workflow.application_a, reveal=True)).status_code == 404
    assert not PersonalDataRead.objects.exists()


@pytest.mark.parametrize("name", MAY_NOT_REVEAL)
def test_the_household_page_follows_the_same_rule(client, registry, name):
    number = registry.household_a.head.id_number
    client.force_login(registry[name])
    page = client.get(reverse("households:detail", args=[registry.household_a.pk]))
    assert page.status_code == 200
    assert number not in page.content.decode()
    assert mask(number) in page.content.decode()
    assert not PersonalDataRead.objects.exists()
    reveal = client.get(
        reverse("households:detail", args=[registry.household_a.pk]) + "?reveal=ids"
    )
    assert reveal.status_code == 403
    assert not PersonalDataRead.objects.exists()


@pytest.mark.parametrize("name", ["caseworker_a", "supervisor", "supervisor_a"])
def test_the_household_page_masks_ids_until_a_logged_reveal(client, registry, name):
    number = registry.household_a.head.id_number
    url = reverse("households:detail", args=[registry.household_a.pk])
    client.force_login(registry[name])
    page = client.get(url).content.decode()
    assert number not in page
    assert mask(number) in page
    assert "?reveal=ids" in page
    assert not PersonalDataRead.objects.exists()
    assert number in client.get(url + "?reveal=ids").content.decode()
    read = PersonalDataRead.objects.get()
    assert (read.reader, read.household, read.application) == (
        registry[name],
        registry.household_a,
        None,
    )


def test_the_edit_form_shows_the_id_masked_and_keeps_it_when_left_blank(client, workflow):
    application = workflow.application_a
    number = head_id(application)
    url = reverse("cases:application_edit", args=[application.pk])
    client.force_login(workflow.caseworker_a)
    page = client.get(url).content.decode()
    assert number not in page
    assert mask(number) in page
    assert not PersonalDataRead.objects.exists()

    form = {
        "head_name": "王五",
        "head_id_number": "",
        "head_health": "healthy",
        "employment": "laid_off",
        "size": "3",
        "monthly_income": "1500",
        "housing": "rented",
        "causes": ["illness"],
        "reason": "妻子重病，家庭收入低（已核实）",
    }
    assert client.post(url, form).status_code == 302
    application.refresh_from_db()
    assert (application.proposal["head"]["id_number"], application.reason) == (
        number,
        "妻子重病，家庭收入低（已核实）",
    )

    corrected = DemoPeople(seed=8801).resident_id()
    response = client.post(url, {**form, "head_id_number": corrected})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.proposal["head"]["id_number"] == corrected
    assert corrected not in client.get(url).content.decode()


def test_the_id_is_masked_on_the_list_the_notice_and_the_dashboard(client, workflow):
    application = workflow.application_a
    number = head_id(application)
    services.application_record_survey(
        actor=workflow.caseworker_a,
        application=application,
        survey_on=timezone.localdate(),
        visitors="刘主席",
        findings="家中陈设简陋",
        authorised=True,
    )
    services.application_submit(actor=workflow.caseworker_a, application=application)
    services.application_review(actor=workflow.supervisor, application=application)
    notice = services.notice_create(
        actor=workflow.supervisor,
        union=workflow.union_a,
        title="建档公示",
        place="工会公示栏",
        contact="0000-12351",
        start_on=timezone.localdate(),
        working_days=5,
        applications=[application],
        show_masked_ids=True,
    )
    client.force_login(workflow.supervisor)
    for url in (
        reverse("cases:notice_detail", args=[notice.pk]),
        reverse("cases:notice_print", args=[notice.pk]),
    ):
        page = client.get(url).content.decode()
        assert number not in page
        assert f"{number[:6]}********{number[-4:]}" in page
    for url in (
        reverse("cases:application_list"),
        reverse("dashboard"),
        detail_url(application),
    ):
        assert number not in client.get(url).content.decode()
    assert not PersonalDataRead.objects.exists()
