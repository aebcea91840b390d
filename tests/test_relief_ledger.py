"""The money path: approval commits an entitlement against a budget, finance pays it into the
append-only ledger, a mistake is reversed by a new line, a closed month takes no line. Every
refusal leaves the database as it was."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cases import services as case_services
from cases.models import State
from helpcenter.duties import DutyConflict
from helpcenter.models import Role
from households.choices import Relation
from households.models import Member
from relief import services
from relief.models import (
    BankAccount,
    ClosedMonth,
    Disbursement,
    Entitlement,
    EntitlementState,
    LineKind,
    Method,
    VoucherCounter,
)
from relief.services import ReliefError, amount_left
from relief.vouchers import amount_in_capitals
from tests.factories import UserFactory
from tests.ledger_support import approved_relief, approver, programme_with_budget, relief_in_notice

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def pay(people, entitlement, amount="1200.00", **extra):
    values = {"method": Method.CASH, "signed_by": "张三", "paid_on": TODAY()}
    values.update(extra)
    return services.disbursement_pay(
        actor=people.finance, entitlement=entitlement, amount=Decimal(amount), **values
    )


def ledger_state():
    return (
        list(Disbursement.objects.values_list("pk", "amount").order_by("pk")),
        list(Entitlement.objects.values_list("pk", "state").order_by("pk")),
        list(VoucherCounter.objects.values_list("year", "last")),
    )


# --- Approval commits against the budget ---------------------------------------------------------


def test_approval_commits_an_entitlement_against_the_budget(registry):
    entitlement = approved_relief(registry, amount="1200.00")
    assert entitlement.amount == Decimal("1200.00")
    assert entitlement.state == EntitlementState.TO_PAY
    assert entitlement.budget.year == TODAY().year
    assert entitlement.approved_by == approver(registry)
    assert entitlement.household == registry.household_a
    assert amount_left(entitlement) == Decimal("1200.00")


def test_approval_beyond_the_budget_is_refused_with_the_figures(registry):
    programme = programme_with_budget(allocated="2000.00")
    approved_relief(registry, programme=programme, amount="1500.00")
    (application,) = relief_in_notice(
        registry, household=registry.household_a, programme=programme, amount="1000.00"
    )
    with pytest.raises(ReliefError) as refusal:
        case_services.application_approve(actor=approver(registry), application=application)
    message = str(refusal.value)
    for figure in ("2000.00", "1500.00", "500.00", "1000.00"):
        assert figure in message
    application.refresh_from_db()
    assert application.state == State.AWAITING_APPROVAL
    assert Entitlement.objects.count() == 1


def test_approval_draws_on_the_next_budget_when_the_first_is_spent(registry):
    from relief.models import Budget, Fund, FundKind

    programme = programme_with_budget(allocated="1000.00")
    donations = Fund.objects.create(
        code="ledger-test-donation", name="测试捐赠", kind=FundKind.DONATION
    )
    second = Budget.objects.create(
        programme=programme, fund=donations, year=TODAY().year, allocated="5000", position=1
    )
    approved_relief(registry, programme=programme, amount="800.00")
    entitlement = approved_relief(registry, programme=programme, amount="800.00")
    assert entitlement.budget == second


def test_no_budget_for_the_year_refuses_approval(registry):
    programme = programme_with_budget(year=TODAY().year - 1)
    (application,) = relief_in_notice(
        registry, household=registry.household_a, programme=programme, amount="500.00"
    )
    with pytest.raises(ReliefError, match=str(TODAY().year)):
        case_services.application_approve(actor=approver(registry), application=application)
    assert not Entitlement.objects.exists()


# --- Paying ---------------------------------------------------------------------------------------


def test_finance_pays_an_entitlement_in_cash(registry):
    entitlement = approved_relief(registry)
    line = pay(registry, entitlement)
    assert line.kind == LineKind.PAYMENT
    assert line.voucher_number == f"{TODAY().year}-000001"
    assert line.sequence == 1
    assert line.union == registry.household_a.union
    assert line.fund == entitlement.budget.fund
    assert line.budget == entitlement.budget
    assert line.programme == entitlement.programme
    assert line.payer == registry.finance
    assert line.signed_by == "张三"
    entitlement.refresh_from_db()
    assert entitlement.state == EntitlementState.PAID
    assert amount_left(entitlement) == 0


def test_part_payments_then_goods(registry):
    entitlement = approved_relief(registry, amount="1200.00")
    pay(registry, entitlement, "1000.00")
    entitlement.refresh_from_db()
    assert entitlement.state == EntitlementState.PARTLY_PAID
    line = pay(
        registry,
        entitlement,
        "200.00",
        method=Method.GOODS,
        signed_by="",
        goods=[{"item": "大米", "quantity": "2", "value": "200.00"}],
    )
    assert line.sequence == 2
    assert line.voucher_number.endswith("000002")
    entitlement.refresh_from_db()
    assert entitlement.state == EntitlementState.PAID


def bank_card(household, *, holder=None, active=True, created_by=None):
    return BankAccount.objects.create(
        household=household,
        holder=holder or household.head,
        bank_name="农村信用社",
        card_number_encrypted="x",
        card_last4="1234",
        active=active,
        created_by=created_by,
    )


def test_bank_card_payment_records_the_holder_and_the_masked_card(registry):
    entitlement = approved_relief(registry)
    card = bank_card(registry.household_a, created_by=registry.finance)
    line = pay(registry, entitlement, method=Method.BANK, signed_by="", bank_account=card)
    assert line.account_holder == registry.household_a.head.name
    assert line.card_masked.endswith("1234")
    assert line.bank_account == card


@pytest.mark.parametrize(
    "amount, words",
    [
        ("0", "大于 0"),  # zero
        ("-5", "大于 0"),
        ("1.005", "两位小数"),
        ("1200.01", "1200.00"),  # more than is left: says what is left
    ],
)
def test_bad_amounts_are_refused_and_change_nothing(registry, amount, words):
    entitlement = approved_relief(registry)
    before = ledger_state()
    with pytest.raises(ReliefError) as refusal:
        pay(registry, entitlement, amount)
    assert words in str(refusal.value)
    assert ledger_state() == before


def test_a_float_amount_is_refused(registry):
    entitlement = approved_relief(registry)
    with pytest.raises(ReliefError):
        services.disbursement_pay(
            actor=registry.finance,
            entitlement=entitlement,
            method=Method.CASH,
            amount=12.5,
            paid_on=TODAY(),
            signed_by="张三",
        )
    assert not Disbursement.objects.exists()


def test_whoever_approved_may_not_pay(registry):
    entitlement = approved_relief(registry)
    from helpcenter.models import StaffRole

    approving = approver(registry)  # who also holds the finance role
    StaffRole.objects.create(user=approving, role=Role.FINANCE)
    approving = type(approving).objects.get(pk=approving.pk)
    before = ledger_state()
    with pytest.raises(DutyConflict):
        services.disbursement_pay(
            actor=approving,
            entitlement=entitlement,
            method=Method.CASH,
            amount=Decimal("1200.00"),
            paid_on=TODAY(),
            signed_by="张三",
        )
    assert ledger_state() == before


def test_only_finance_in_scope_pays(registry):
    entitlement = approved_relief(registry)
    before = ledger_state()
    for actor in (registry.caseworker_a, registry.supervisor, registry.auditor):
        with pytest.raises(ReliefError):
            services.disbursement_pay(
                actor=actor,
                entitlement=entitlement,
                method=Method.CASH,
                amount=Decimal("100.00"),
                paid_on=TODAY(),
                signed_by="张三",
            )
    finance_b = UserFactory(username="finance_b", union=registry.union_b, roles=[Role.FINANCE])
    with pytest.raises(ReliefError, match="其他工会"):
        services.disbursement_pay(
            actor=finance_b,
            entitlement=entitlement,
            method=Method.CASH,
            amount=Decimal("100.00"),
            paid_on=TODAY(),
            signed_by="张三",
        )
    assert ledger_state() == before


def test_a_second_payment_of_a_paid_entitlement_is_refused(registry):
    entitlement = approved_relief(registry)
    pay(registry, entitlement)
    before = ledger_state()
    with pytest.raises(ReliefError):
        pay(registry, entitlement)
    assert ledger_state() == before


def test_an_unregistered_household_is_not_paid(registry):
    from households.choices import Status

    entitlement = approved_relief(registry)
    type(registry.household_a).objects.filter(pk=registry.household_a.pk).update(
        status=Status.EXITED
    )
    before = ledger_state()
    with pytest.raises(ReliefError, match="先建档、后帮扶"):
        pay(registry, entitlement)
    assert ledger_state() == before


def test_cards_not_in_use_or_of_someone_outside_the_household_are_refused(registry):
    entitlement = approved_relief(registry)
    inactive = bank_card(registry.household_a, active=False, created_by=registry.finance)
    stranger = Member.objects.create(
        household=registry.household_b,
        relation=Relation.SPOUSE,
        name="外人",
        id_number="110101199003078515",
    )
    other = bank_card(registry.household_a, holder=stranger, created_by=registry.finance)
    before = ledger_state()
    with pytest.raises(ReliefError, match="已停用"):
        pay(registry, entitlement, method=Method.BANK, bank_account=inactive)
    with pytest.raises(ReliefError, match="不是该户家庭成员"):
        pay(registry, entitlement, method=Method.BANK, bank_account=other)
    with pytest.raises(ReliefError, match="签收"):
        pay(registry, entitlement, signed_by=" ")
    assert ledger_state() == before


def test_a_payment_beyond_the_budget_is_refused(registry):
    entitlement = approved_relief(registry, amount="1200.00")
    # The administrator cut the budget after approval.
    type(entitlement.budget).objects.filter(pk=entitlement.budget_id).update(allocated="1000.00")
    before = ledger_state()
    with pytest.raises(ReliefError, match="超出预算"):
        pay(registry, entitlement)
    assert ledger_state() == before
    pay(registry, entitlement, "1000.00")


# --- Reversal -------------------------------------------------------------------------------------


def test_a_reversal_corrects_a_line_and_the_entitlement_can_be_paid_again(registry):
    entitlement = approved_relief(registry)
    line = pay(registry, entitlement)
    reversal = services.disbursement_reverse(
        actor=registry.finance, line=line, reason="签收人有误", paid_on=TODAY()
    )
    assert reversal.kind == LineKind.REVERSAL
    assert reversal.amount == Decimal("-1200.00")
    assert reversal.reverses == line
    assert reversal.note == "签收人有误"
    assert reversal.sequence == 2
    line.refresh_from_db()
    assert line.amount == Decimal("1200.00")  # the original is never edited
    entitlement.refresh_from_db()
    assert entitlement.state == EntitlementState.TO_PAY
    assert amount_left(entitlement) == Decimal("1200.00")
    again = pay(registry, entitlement)
    assert again.sequence == 3
    assert amount_left(entitlement) == 0


def test_a_reversal_cannot_be_reversed_nor_a_line_reversed_twice(registry):
    entitlement = approved_relief(registry)
    line = pay(registry, entitlement)
    reversal = services.disbursement_reverse(
        actor=registry.finance, line=line, reason="金额有误", paid_on=TODAY()
    )
    before = ledger_state()
    with pytest.raises(ReliefError, match="不能再冲销"):
        services.disbursement_reverse(
            actor=registry.finance, line=reversal, reason="再冲", paid_on=TODAY()
        )
    with pytest.raises(ReliefError, match=reversal.voucher_number):
        services.disbursement_reverse(
            actor=registry.finance, line=line, reason="再冲", paid_on=TODAY()
        )
    with pytest.raises(ReliefError):
        services.disbursement_reverse(
            actor=registry.auditor, line=line, reason="审计", paid_on=TODAY()
        )
    assert ledger_state() == before


# --- Closed months --------------------------------------------------------------------------------


def test_a_closed_month_takes_no_line_and_names_the_open_one(registry):
    entitlement = approved_relief(registry)
    last_month = TODAY().replace(day=1) - timedelta(days=1)
    services.month_close(actor=registry.finance, year=last_month.year, month=last_month.month)
    before = ledger_state()
    with pytest.raises(ReliefError) as refusal:
        pay(registry, entitlement, paid_on=last_month)
    assert f"{last_month.year}-{last_month.month:02d}" in str(refusal.value)
    assert f"{TODAY().year}-{TODAY().month:02d}" in str(refusal.value)
    assert ledger_state() == before
    line = pay(registry, entitlement, paid_on=TODAY())
    assert line.paid_on == TODAY()


def test_month_close_is_finance_s_once_and_not_in_the_future(registry):
    today = TODAY()
    with pytest.raises(ReliefError):
        services.month_close(actor=registry.supervisor, year=today.year, month=today.month)
    nxt = (today.replace(day=28) + timedelta(days=5)).replace(day=1)
    with pytest.raises(ReliefError):
        services.month_close(actor=registry.finance, year=nxt.year, month=nxt.month)
    services.month_close(actor=registry.finance, year=today.year, month=today.month)
    with pytest.raises(ReliefError, match="已经月结"):
        services.month_close(actor=registry.finance, year=today.year, month=today.month)
    assert ClosedMonth.objects.count() == 1


def test_a_reversal_goes_into_the_open_month(registry):
    entitlement = approved_relief(registry)
    last_month = TODAY().replace(day=1) - timedelta(days=1)
    line = pay(registry, entitlement, paid_on=last_month)
    services.month_close(actor=registry.finance, year=last_month.year, month=last_month.month)
    with pytest.raises(ReliefError, match="已月结"):
        services.disbursement_reverse(
            actor=registry.finance, line=line, reason="错发", paid_on=last_month
        )
    reversal = services.disbursement_reverse(
        actor=registry.finance, line=line, reason="错发", paid_on=TODAY()
    )
    assert reversal.paid_on == TODAY()


# --- Entitlements for relief approved before budgets existed -------------------------------------


def test_backfill_commits_relief_approved_before_this_issue(registry):
    from cases import hooks

    programme = programme_with_budget()
    (application,) = relief_in_notice(
        registry, household=registry.household_a, programme=programme, amount="600.00"
    )
    saved = list(hooks.on_approval["relief"])
    hooks.on_approval["relief"].clear()
    try:
        case_services.application_approve(actor=approver(registry), application=application)
    finally:
        hooks.on_approval["relief"].extend(saved)
    assert not Entitlement.objects.exists()
    created, refusals = services.entitlements_backfill(actor=registry.finance)
    assert (created, refusals) == (1, [])
    entitlement = Entitlement.objects.get()
    assert entitlement.approved_by == approver(registry)
    assert entitlement.amount == Decimal("600.00")
    assert services.entitlements_backfill(actor=registry.finance) == (0, [])


# --- Vouchers in Chinese capitals -----------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, capitals",
    [
        ("1200.00", "壹仟贰佰元整"),
        ("1200.50", "壹仟贰佰元伍角"),
        ("0.05", "伍分"),
        ("1005.07", "壹仟零伍元零柒分"),
        ("300", "叁佰元整"),
        ("100000.00", "壹拾万元整"),
        ("12.34", "壹拾贰元叁角肆分"),
    ],
)
def test_amounts_in_chinese_capitals(amount, capitals):
    assert amount_in_capitals(Decimal(amount)) == capitals


def test_a_reversal_in_capitals_says_negative():
    assert amount_in_capitals(Decimal("-1200.00")).endswith("壹仟贰佰元整")
    assert amount_in_capitals(Decimal("-1200.00")).startswith("负")


def test_date_in_the_future_is_refused(registry):
    entitlement = approved_relief(registry)
    with pytest.raises(ReliefError):
        pay(registry, entitlement, paid_on=TODAY() + timedelta(days=1))
    assert not Disbursement.objects.exists()


def test_the_database_refuses_a_second_line_with_the_same_sequence(registry):
    from django.db import IntegrityError, transaction

    entitlement = approved_relief(registry)
    line = pay(registry, entitlement, "100.00")
    values = {
        field.attname: getattr(line, field.attname)
        for field in Disbursement._meta.concrete_fields
        if field.attname not in ("id", "voucher_number")
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Disbursement.objects.create(**values, voucher_number="X-2")
    assert Disbursement.objects.count() == 1
