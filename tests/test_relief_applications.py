"""Relief applications under a programme: filing, editing, the approval re-check, the pages, the
scope, the refusals (nothing saved) and the migration of free-text applications."""

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import Application, ApplicationStep, Kind, State
from cases.services import CaseError
from helpcenter.demo import DemoPeople
from helpcenter.errors import DomainError
from households.choices import Status
from households.models import Household, Member
from relief.applications import relief_application_update
from relief.eligibility import decide_for
from relief.models import Entitlement, Programme, ReliefRequest
from relief.services import ReliefError
from tests.factories import relief_application_for
from tests.test_cases_services import approver, posted

pytestmark = pytest.mark.django_db
_people = DemoPeople(seed=99)


def programme(name: str) -> Programme:
    return Programme.objects.get(name=name)


def student_of(household, *, stage="university", name="小明") -> Member:
    return Member.objects.create(
        household=household,
        relation="child",
        name=name,
        name_initials="xm",
        id_number=_people.resident_id(),
        school_stage=stage,
    )


def classify(household, *, category="subsistence", degree="severe"):
    Household.objects.filter(pk=household.pk).update(category=category, degree=degree)
    household.refresh_from_db()
    return household


def awaiting_approval(registry, application):
    filer = application.filed_by
    case_services.application_submit(actor=filer, application=application)
    case_services.application_review(actor=registry.supervisor, application=application)
    case_services.notice_close(notice=posted(registry, application))
    return Application.objects.get(pk=application.pk)


def approved(registry, application, *, by=None):
    application = awaiting_approval(registry, application)
    return case_services.application_approve(
        actor=by or approver(registry), application=application
    )


def counts() -> tuple[int, int, int]:
    return (
        Application.objects.count(),
        ReliefRequest.objects.count(),
        ApplicationStep.objects.count(),
    )


# --- Filing --------------------------------------------------------------------------------------


def test_a_medical_application_is_filed_with_its_decision(registry):
    application = relief_application_for(
        household=registry.household_a, filer=registry.caseworker_a, amount="800.00"
    )
    relief = ReliefRequest.objects.get(application=application)
    assert application.kind == Kind.RELIEF and application.state == State.DRAFT
    assert application.programme == "医疗救助"
    assert application.requested_amount == Decimal("800.00")
    assert relief.programme == programme("医疗救助")
    assert relief.tier.name == "住院（手术）"
    assert relief.patient == registry.household_a.head
    assert (relief.cash_amount, relief.goods_value) == (Decimal("800.00"), Decimal("200.00"))
    assert relief.goods == [{"item": "慰问品", "unit": "份", "quantity": "2", "value": "200.00"}]
    assert relief.decision["eligible"] is True
    assert relief.decision["reasons"]
    assert relief.decision["asked_cash_amount"] == "800.00"
    # 诊断书 and the others are not on the household's file yet
    assert "诊断书" in relief.decision["missing_documents"]
    assert list(application.steps.values_list("from_state", "to_state")) == [
        ("", State.DRAFT),
        (State.DRAFT, State.DRAFT),
    ]


def test_a_fixed_tier_gives_the_tiers_amount_and_goods(registry):
    household = classify(registry.household_a, degree="serious")
    application = relief_application_for(
        household=household, filer=registry.caseworker_a, programme="两节送温暖", amount=None
    )
    relief = application.relief
    assert relief.tier.name == "重困"
    assert (relief.cash_amount, relief.goods_value) == (Decimal("1000.00"), Decimal("140.00"))


@pytest.mark.parametrize(
    ("amount", "words"),
    [("1000.01", "1,000"), ("0", "0"), ("-1", "0"), ("1.005", "")],
)
def test_an_amount_outside_the_rules_is_refused_and_nothing_is_saved(registry, amount, words):
    before = counts()
    with pytest.raises(ReliefError) as refused:
        relief_application_for(
            household=registry.household_a, filer=registry.caseworker_a, amount=amount
        )
    assert words in refused.value.message
    assert counts() == before


def test_another_unions_household_is_refused(registry):
    before = counts()
    with pytest.raises(ReliefError):
        relief_application_for(household=registry.household_a, filer=registry.caseworker_b)
    assert counts() == before


def test_a_patient_from_another_household_is_refused(registry):
    with pytest.raises(ReliefError):
        relief_application_for(
            household=registry.household_a,
            filer=registry.county_caseworker,
            patient=registry.household_b.head,
        )
    assert not ReliefRequest.objects.exists()


def test_relief_no_longer_files_through_the_free_text_service(registry):
    with pytest.raises(CaseError):
        case_services.application_file_for_household(
            actor=registry.caseworker_a,
            household=registry.household_a,
            kind=Kind.RELIEF,
            reason="x",
            programme="医疗救助",
            requested_amount=Decimal("100"),
        )
    assert not Application.objects.filter(kind=Kind.RELIEF).exists()


def test_an_exited_household_gets_tuition_at_the_lower_tier_but_no_warmth(registry):
    household = classify(registry.household_a)
    Household.objects.filter(pk=household.pk).update(status=Status.EXITED)
    household.refresh_from_db()
    with pytest.raises(ReliefError) as refused:
        relief_application_for(
            household=household, filer=registry.caseworker_a, programme="两节送温暖", amount=None
        )
    assert "两节送温暖" in refused.value.message
    student = student_of(household)
    application = relief_application_for(
        household=household,
        filer=registry.caseworker_a,
        programme="金秋助学",
        amount=None,
        student=student,
        school_year=2026,
    )
    assert application.relief.tier.name == "非在册·大学"
    assert application.requested_amount == Decimal("4000.00")


# --- Tuition once per student year ---------------------------------------------------------------


def test_a_second_tuition_grant_for_the_same_student_and_year_is_refused_with_the_date(registry):
    household = registry.household_a
    student = student_of(household)

    def tuition(**details):
        return relief_application_for(
            household=household,
            filer=registry.caseworker_a,
            programme="金秋助学",
            amount=None,
            student=student,
            **details,
        )

    first = tuition(school_year=2026)
    assert first.requested_amount == Decimal("5000.00")
    with pytest.raises(ReliefError) as pending:
        tuition(school_year=2026)
    assert "2026" in pending.value.message
    approved(registry, first)
    before = counts()
    with pytest.raises(ReliefError) as granted:
        tuition(school_year=2026)
    assert timezone.localdate().isoformat() in granted.value.message
    assert counts() == before
    with pytest.raises(ReliefError):
        tuition(school_year=2027, other_grant=True)
    assert tuition(school_year=2027).relief.school_year == 2027


# --- The yearly cap and the approval re-check ----------------------------------------------------


def test_the_medical_cap_counts_approved_relief_of_the_same_patient(registry):
    household = registry.household_a
    first = relief_application_for(household=household, filer=registry.caseworker_a, amount="1000")
    # A second stay filed before the first is approved: pending applications do not count.
    second = relief_application_for(household=household, filer=registry.caseworker_a, amount="600")
    approved(registry, first)  # 1,000 + 200 goods = 1,200 approved this year
    decision = decide_for(
        programme=programme("医疗救助"),
        household=household,
        on=timezone.localdate(),
        cash_amount=Decimal("500"),
        medical_case="stay",
        patient=household.head,
    )
    assert decision.received_this_year == Decimal("1200.00")
    assert decision.cap_left == Decimal("800.00")
    # 600 + 200 goods = 800 still fits; another 600 + 200 would not
    second = awaiting_approval(registry, second)
    with pytest.raises(ReliefError) as over:
        relief_application_for(household=household, filer=registry.caseworker_a, amount="700")
    assert "800" in over.value.message
    case_services.application_approve(actor=approver(registry), application=second)
    assert Entitlement.objects.filter(household=household).count() == 2


def test_approval_refuses_what_the_cap_no_longer_allows_with_the_figures(registry):
    household = registry.household_a
    first = relief_application_for(household=household, filer=registry.caseworker_a, amount="1000")
    second = relief_application_for(household=household, filer=registry.caseworker_a, amount="1000")
    approved(registry, first)
    second = awaiting_approval(registry, second)
    with pytest.raises(CaseError) as refused:
        case_services.application_approve(actor=approver(registry), application=second)
    assert "1,200" in refused.value.message and "800" in refused.value.message
    assert Application.objects.get(pk=second.pk).state == State.AWAITING_APPROVAL
    assert not Entitlement.objects.filter(application=second).exists()


def test_a_household_removed_meanwhile_is_refused_on_approval(registry):
    application = relief_application_for(
        household=registry.household_a, filer=registry.caseworker_a
    )
    application = awaiting_approval(registry, application)
    Household.objects.filter(pk=registry.household_a.pk).update(status=Status.REMOVED)
    with pytest.raises(CaseError):
        case_services.application_approve(actor=approver(registry), application=application)
    assert Application.objects.get(pk=application.pk).state == State.AWAITING_APPROVAL


def test_a_grassroots_supervisor_may_not_approve_above_the_county_threshold(registry):
    # 1,000 + 200 goods = 1,200 > 1,000: 需县总工会审批
    above = relief_application_for(
        household=registry.household_a, filer=registry.caseworker_a, amount="1000"
    )
    above = awaiting_approval(registry, above)
    with pytest.raises(CaseError) as refused:
        case_services.application_approve(actor=registry.supervisor_a, application=above)
    assert "1,200" in refused.value.message and "1,000" in refused.value.message
    assert Application.objects.get(pk=above.pk).state == State.AWAITING_APPROVAL
    application = case_services.application_approve(actor=approver(registry), application=above)
    relief = ReliefRequest.objects.get(application=application)
    assert relief.decision["on_approval"]["eligible"] is True
    assert relief.decision["needs_county_approval"] is True


def test_a_grassroots_supervisor_approves_within_the_threshold(registry):
    within = relief_application_for(
        household=registry.household_a, filer=registry.caseworker_a, amount="500"
    )
    within = awaiting_approval(registry, within)
    case_services.application_approve(actor=registry.supervisor_a, application=within)
    assert Application.objects.get(pk=within.pk).state == State.APPROVED


# --- Editing -------------------------------------------------------------------------------------


def test_a_draft_is_edited_and_decided_again(registry):
    application = relief_application_for(
        household=registry.household_a, filer=registry.caseworker_a, amount="800"
    )
    relief_application_update(
        actor=registry.caseworker_a,
        application=application,
        reason="改为未手术住院",
        programme=programme("医疗救助"),
        cash_amount=Decimal("450"),
        medical_case="stay",
        patient=registry.household_a.head,
    )
    application.refresh_from_db()
    relief = application.relief
    relief.refresh_from_db()
    assert application.requested_amount == Decimal("450.00")
    assert (relief.tier.name, relief.goods_value) == ("住院（未手术）", Decimal("100.00"))
    with pytest.raises(ReliefError):
        relief_application_update(
            actor=registry.caseworker_a,
            application=application,
            reason="x",
            programme=programme("医疗救助"),
            cash_amount=Decimal("600"),
            medical_case="stay",
            patient=registry.household_a.head,
        )
    relief.refresh_from_db()
    assert relief.cash_amount == Decimal("450.00")


def test_an_application_in_notice_cannot_be_edited(registry):
    application = relief_application_for(
        household=registry.household_a, filer=registry.caseworker_a
    )
    application = awaiting_approval(registry, application)
    with pytest.raises(DomainError):
        relief_application_update(
            actor=registry.caseworker_a,
            application=application,
            reason="x",
            programme=programme("医疗救助"),
            cash_amount=Decimal("100"),
            medical_case="stay",
            patient=registry.household_a.head,
        )


# --- Pages ---------------------------------------------------------------------------------------


def form_data(registry, **values):
    data = {
        "programme": programme("医疗救助").pk,
        "patient": registry.household_a.head.pk,
        "medical_case": "surgery",
        "cash_amount": "800",
        "reason": "住院手术，自付费用高",
    }
    data.update(values)
    return data


def test_the_form_files_an_application_under_a_programme(client, registry):
    client.force_login(registry.caseworker_a)
    url = reverse("relief:application_file", args=[registry.household_a.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "医疗救助" in page.content.decode()
    response = client.post(url, form_data(registry))
    application = Application.objects.get(kind=Kind.RELIEF)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:application_detail", args=[application.pk])
    assert application.relief.cash_amount == Decimal("800.00")
    detail = client.get(response["Location"]).content.decode()
    assert 'data-testid="relief-details"' in detail and "住院（手术）" in detail


def test_the_form_shows_the_refusal_and_saves_nothing(client, registry):
    client.force_login(registry.caseworker_a)
    url = reverse("relief:application_file", args=[registry.household_a.pk])
    page = client.post(url, form_data(registry, cash_amount="1500"))
    assert page.status_code == 200
    assert 'data-testid="error-summary"' in page.content.decode()
    assert not Application.objects.filter(kind=Kind.RELIEF).exists()


def test_the_preview_shows_the_decision_before_submitting(client, registry):
    client.force_login(registry.caseworker_a)
    url = reverse("relief:application_preview", args=[registry.household_a.pk])
    page = client.get(url, form_data(registry, reason=""))
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="decision-eligible"' in text
    assert 'data-testid="decision-cap-left"' in text and "2000.00" in text
    assert 'data-testid="decision-proof"' in text and "诊断书" in text
    assert 'name="patient"' in text and 'name="student"' not in text
    refused = client.get(url, form_data(registry, cash_amount="1500")).content.decode()
    assert 'data-testid="decision-refused"' in refused
    # the preview of a tuition programme asks for the student instead
    tuition = client.get(url, {"programme": programme("金秋助学").pk}).content.decode()
    assert 'name="student"' in tuition and 'name="patient"' not in tuition
    assert not Application.objects.exists() or not Application.objects.filter(kind=Kind.RELIEF)


def test_the_preview_button_works_without_javascript(client, registry):
    client.force_login(registry.caseworker_a)
    url = reverse("relief:application_file", args=[registry.household_a.pk])
    page = client.post(url, {"programme": programme("医疗救助").pk, "preview": "1"})
    assert page.status_code == 200
    assert 'name="patient"' in page.content.decode()
    assert not Application.objects.filter(kind=Kind.RELIEF).exists()


@pytest.mark.parametrize("name", ["relief:application_file", "relief:application_preview"])
def test_another_unions_household_is_not_found(client, registry, name):
    client.force_login(registry.caseworker_b)
    assert client.get(reverse(name, args=[registry.household_a.pk])).status_code == 404
    client.force_login(registry.finance)
    assert client.get(reverse(name, args=[registry.household_a.pk])).status_code == 403


def test_the_old_relief_link_leads_to_the_programme_form(client, registry):
    client.force_login(registry.caseworker_a)
    url = reverse("cases:application_for_household", args=[registry.household_a.pk])
    response = client.get(url + "?kind=relief")
    assert response["Location"] == reverse(
        "relief:application_file", args=[registry.household_a.pk]
    )


def test_the_edit_page_changes_a_draft(client, registry):
    application = relief_application_for(
        household=registry.household_a, filer=registry.caseworker_a
    )
    client.force_login(registry.caseworker_a)
    old = client.get(reverse("cases:application_edit", args=[application.pk]))
    assert old["Location"] == reverse("relief:application_edit", args=[application.pk])
    url = reverse("relief:application_edit", args=[application.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="decision-eligible"' in page.content.decode()
    response = client.post(url, form_data(registry, cash_amount="900"))
    assert response.status_code == 302
    assert ReliefRequest.objects.get(application=application).cash_amount == Decimal("900.00")
    client.force_login(registry.caseworker_b)
    assert client.get(url).status_code == 404


# --- The migration of free-text relief applications ----------------------------------------------


def test_free_text_relief_applications_get_a_programme_and_keep_their_state(registry):
    migration = importlib.import_module("relief.migrations.0004_relief_requests_from_free_text")
    household = registry.household_a

    def legacy(programme_text, amount, state):
        return Application.objects.create(
            kind=Kind.RELIEF,
            state=state,
            union=household.union,
            household=household,
            applicant_name=household.head.name,
            reason="旧申请",
            programme=programme_text,
            requested_amount=Decimal(amount) if amount else None,
            filed_by=registry.caseworker_a,
        )

    matched = legacy("医疗救助", "800.00", State.APPROVED)
    unknown = legacy("爱心助残", "300.00", State.AWAITING_APPROVAL)
    unnamed = legacy("", None, State.DRAFT)
    migration.forward(apps, None)
    migration.forward(apps, None)  # safe to run twice: nothing added
    assert ReliefRequest.objects.count() == 3
    assert matched.relief.programme == programme("医疗救助")
    assert matched.relief.cash_amount == Decimal("800.00")
    assert Application.objects.get(pk=matched.pk).state == State.APPROVED
    assert not Entitlement.objects.exists()
    created = unknown.relief.programme
    assert (created.name, created.kind, created.active) == ("爱心助残", "other", False)
    assert Application.objects.get(pk=unknown.pk).state == State.AWAITING_APPROVAL
    assert unnamed.relief.programme.name == "未注明项目"
    assert "爱心助残" in ReliefRequest.objects.get(application=unknown).decision["reasons"][0]


def test_seeding_twice_adds_nothing(registry):
    from tests.conftest import seed_relief_programmes

    before = Programme.objects.count(), Programme.objects.get(code="warmth").tiers.count()
    seed_relief_programmes()
    assert (Programme.objects.count(), Programme.objects.get(code="warmth").tiers.count()) == before
    assert {p.code for p in Programme.objects.all()} >= {
        "warmth",
        "tuition",
        "medical",
        "living",
        "emergency",
    }
    medical = programme("医疗救助")
    assert medical.yearly_cap_per_person == Decimal("2000.00")
    assert {d.code for d in medical.required_documents.all()} >= {"diagnosis", "hospital_bills"}


def test_the_household_page_links_to_the_programme_form(client, registry):
    client.force_login(registry.caseworker_a)
    page = client.get(reverse("households:detail", args=[registry.household_a.pk]))
    assert (
        reverse("relief:application_file", args=[registry.household_a.pk]) in page.content.decode()
    )


def test_an_old_date_is_not_needed_for_the_timeline(registry):
    # the yearly sums are by calendar year: last year's approvals do not count
    application = relief_application_for(
        household=registry.household_a, filer=registry.caseworker_a, amount="1000"
    )
    approved(registry, application)
    Entitlement.objects.update(approved_at=timezone.now() - timedelta(days=400))
    decision = decide_for(
        programme=programme("医疗救助"),
        household=registry.household_a,
        on=timezone.localdate(),
        cash_amount=Decimal("500"),
        medical_case="stay",
        patient=registry.household_a.head,
    )
    assert decision.received_this_year == Decimal("0.00")
