"""Payment verification (回访核实): N, the formula and n before drawing; a reproducible draw,
optionally by union; each check answered once; a "not received" opens a follow-up on the
household; grassroots staff see their union's checks only; nothing is deleted."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from households.models import Measure
from relief import services, verification
from relief.models import Answer, Campaign, Method, VerificationCheck, VerificationSample
from relief.verification import VerificationError
from tests.factories import household_for
from tests.relief_bank_support import bank_programme, entitlement_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
CONFIDENCE, MARGIN = Decimal("0.95"), Decimal("0.30")  # n0 = 10.67: 6 households → n = 4


def pay(people, entitlement):
    return services.disbursement_pay(
        actor=people.finance,
        entitlement=entitlement,
        method=Method.CASH,
        amount=entitlement.amount,
        paid_on=TODAY(),
        signed_by=entitlement.household.head.name,
    )


@pytest.fixture
def paid(registry):
    """Six households paid by a campaign, three in union A and three in union B."""
    people = registry
    programme = bank_programme()
    people.campaign = Campaign.objects.create(
        name="2027年春节送温暖",
        programme=programme,
        union=people.county,
        year=TODAY().year,
        created_by=people.supervisor,
    )
    households = [people.household_a, people.household_b]
    households += [household_for(people.union_a, actor=people.caseworker_a) for _ in range(2)]
    households += [household_for(people.union_b, actor=people.caseworker_b) for _ in range(2)]
    people.lines = [
        pay(people, entitlement_for(people, household, "500.00", campaign=people.campaign))
        for household in households
    ]
    people.programme = programme
    return people


def population(people, actor=None, **filters):
    filters = filters or {"campaign": people.campaign}
    return verification.paid_population(actor=actor or people.supervisor, **filters)


def draw(people, seed=42, stratified=False, actor=None):
    return verification.sample_draw(
        actor=actor or people.supervisor,
        title="春节送温暖回访",
        population=population(people),
        confidence=CONFIDENCE,
        margin=MARGIN,
        stratified=stratified,
        seed=seed,
    )


# --- The population and the size -----------------------------------------------------------------


def test_the_population_is_the_paid_households_of_the_campaign(paid):
    found = population(paid)
    assert found.size == 6
    assert set(found.lines) == {line.household_id for line in paid.lines}
    plan = verification.size_plan(population=found.size, confidence=CONFIDENCE, margin=MARGIN)
    assert (plan.z, round(plan.n0, 2), plan.n) == (1.96, 10.67, 4)


def test_a_programme_and_a_period_choose_the_same_lines(paid):
    found = population(
        paid, programme=paid.programme, date_from=TODAY() - timedelta(days=1), date_to=TODAY()
    )
    assert found.size == 6
    later = population(
        paid,
        programme=paid.programme,
        date_from=TODAY() + timedelta(days=1),
        date_to=TODAY() + timedelta(days=9),
    )
    assert later.size == 0
    with pytest.raises(VerificationError):
        population(paid, programme=paid.programme)  # no period


def test_a_reversed_payment_is_not_in_the_population(paid):
    services.disbursement_reverse(
        actor=paid.finance, line=paid.lines[0], reason="重复发放", paid_on=TODAY()
    )
    assert paid.lines[0].household_id not in population(paid).lines


def test_grassroots_staff_see_their_unions_payments_only(paid):
    found = population(paid, actor=paid.supervisor_a)
    assert found.size == 3
    assert {union for _line, union in found.lines.values()} == {paid.union_a.pk}


# --- The draw ------------------------------------------------------------------------------------


def test_the_draw_records_its_seed_and_is_reproducible(paid):
    sample = draw(paid, seed=20270128)
    checks = list(sample.checks.order_by("household_id"))
    assert (sample.population_size, sample.sample_size, sample.seed) == (6, 4, 20270128)
    assert len(checks) == 4 and all(check.answer == "" for check in checks)
    assert sorted(sample.population["households"]) == sorted(
        line.household_id for line in paid.lines
    )
    assert sample.drawn_by == paid.supervisor
    lines = {line.household_id: line for line in paid.lines}
    for check in checks:
        assert check.disbursement == lines[check.household_id]
        assert check.union_id == lines[check.household_id].union_id
    again = draw(paid, seed=20270128)
    assert [c.household_id for c in again.checks.order_by("household_id")] == [
        c.household_id for c in checks
    ]


def test_a_stratified_draw_takes_each_union_in_proportion(paid):
    sample = draw(paid, stratified=True)
    unions = list(sample.checks.values_list("union_id", flat=True))
    assert sorted(unions) == sorted([paid.union_a.pk] * 2 + [paid.union_b.pk] * 2)
    assert sample.stratified


def test_nothing_to_draw_is_refused(paid):
    with pytest.raises(VerificationError):
        verification.sample_draw(
            actor=paid.supervisor,
            title="空",
            population=population(
                paid,
                programme=paid.programme,
                date_from=TODAY() + timedelta(days=1),
                date_to=TODAY() + timedelta(days=2),
            ),
            confidence=CONFIDENCE,
            margin=MARGIN,
        )
    assert not VerificationSample.objects.exists()


# --- Answers -------------------------------------------------------------------------------------


def a_check(sample, union):
    return sample.checks.filter(union=union).first()


def test_an_answer_is_recorded_once_with_who_and_when(paid):
    sample = draw(paid, stratified=True)
    check = a_check(sample, paid.union_a)
    verification.check_answer(actor=paid.caseworker_a, check=check, answer=Answer.RECEIVED)
    check.refresh_from_db()
    assert check.answer == Answer.RECEIVED and check.asked_by == paid.caseworker_a
    assert check.asked_at is not None and check.follow_up is None
    with pytest.raises(VerificationError):
        verification.check_answer(
            actor=paid.supervisor, check=check, answer=Answer.NOT_RECEIVED, note="没收到"
        )
    check.refresh_from_db()
    assert check.answer == Answer.RECEIVED and check.asked_by == paid.caseworker_a
    assert not Measure.objects.exists()


def test_not_received_opens_a_follow_up_on_the_household(paid):
    sample = draw(paid, stratified=True)
    check = a_check(sample, paid.union_b)
    target = TODAY() + timedelta(days=7)
    verification.check_answer(
        actor=paid.caseworker_b,
        check=check,
        answer=Answer.NOT_RECEIVED,
        note="本人说没有收到现金",
        follow_up_on=target,
    )
    check.refresh_from_db()
    measure = check.follow_up
    assert measure.household_id == check.household_id and measure.target_date == target
    assert check.disbursement.voucher_number in measure.description
    assert Measure.objects.count() == 1


def test_not_received_without_what_was_said_is_refused(paid):
    sample = draw(paid, stratified=True)
    check = a_check(sample, paid.union_a)
    with pytest.raises(VerificationError):
        verification.check_answer(actor=paid.caseworker_a, check=check, answer=Answer.NOT_RECEIVED)
    check.refresh_from_db()
    assert check.answer == "" and not Measure.objects.exists()


def test_another_unions_check_cannot_be_answered(paid):
    sample = draw(paid, stratified=True)
    check = a_check(sample, paid.union_a)
    with pytest.raises(VerificationError):
        verification.check_answer(actor=paid.caseworker_b, check=check, answer=Answer.RECEIVED)
    check.refresh_from_db()
    assert check.answer == ""


def test_unanswered_checks_are_never_deleted(paid):
    sample = draw(paid)
    with pytest.raises(ProtectedError):
        sample.delete()
    assert VerificationCheck.objects.filter(sample=sample).count() == 4


# --- Pages ---------------------------------------------------------------------------------------


def test_the_supervisor_sees_n_and_the_formula_then_draws(client, paid):
    client.force_login(paid.supervisor)
    url = reverse("relief:sample_draw")
    query = {
        "title": "春节回访",
        "campaign": paid.campaign.pk,
        "confidence": "0.95",
        "margin": "0.30",
        "stratified": "on",
    }
    preview = client.get(url, query).content.decode()
    assert 'data-testid="population-size">6<' in preview
    assert "<strong>4</strong>" in preview and "n₀" in preview
    assert not VerificationSample.objects.exists()
    response = client.post(url, query)
    sample = VerificationSample.objects.get()
    assert response["Location"] == reverse("relief:sample_detail", kwargs={"pk": sample.pk})
    assert sample.stratified and sample.sample_size == 4 and sample.checks.count() == 4


def test_a_caseworker_sees_and_answers_their_unions_checks_only(client, paid):
    sample = draw(paid, stratified=True)
    mine, theirs = a_check(sample, paid.union_a), a_check(sample, paid.union_b)
    client.force_login(paid.caseworker_a)
    page = client.get(reverse("relief:sample_detail", kwargs={"pk": sample.pk})).content.decode()
    assert f'id="check-{mine.pk}"' in page and f'id="check-{theirs.pk}"' not in page
    assert sample.title in client.get(reverse("relief:sample_list")).content.decode()
    answer = reverse("relief:check_answer", kwargs={"pk": sample.pk, "check_pk": theirs.pk})
    assert client.post(answer, {"answer": "received"}).status_code == 404
    answer = reverse("relief:check_answer", kwargs={"pk": sample.pk, "check_pk": mine.pk})
    assert client.post(answer, {"answer": "received"}).status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.answer == Answer.RECEIVED and theirs.answer == ""
    assert client.get(reverse("relief:sample_draw")).status_code == 403


def test_only_supervisors_draw_and_finance_does_not_answer(paid):
    with pytest.raises(VerificationError):
        draw(paid, actor=paid.caseworker_a)
    assert not VerificationSample.objects.exists()
    sample = draw(paid)
    check = sample.checks.first()
    with pytest.raises(VerificationError):
        verification.check_answer(actor=paid.finance, check=check, answer=Answer.RECEIVED)
    check.refresh_from_db()
    assert check.answer == ""


def test_a_period_without_an_end_is_shown_in_the_error_summary(client, paid):
    client.force_login(paid.supervisor)
    query = {"programme": paid.programme.pk, "confidence": "0.95", "margin": "0.05"}
    page = client.get(reverse("relief:sample_draw"), query).content.decode()
    assert 'data-testid="error-summary"' in page and 'data-testid="size-plan"' not in page
