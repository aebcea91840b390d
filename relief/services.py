"""Money: committing an approved relief application against a budget, paying it, reversing a
line, closing a month.

Each function is one step: it locks what it counts on (the budgets of a programme's year when
committing, the entitlement and its budget when paying), sums in the database after taking the
lock, and writes the ledger line or refuses with ReliefError in words finance can act on. The
ledger is append-only: nothing here updates or deletes a Disbursement (on PostgreSQL the
database refuses it too, relief/migrations/0002_ledger_guards.py).

Entitlements for relief applications approved before budgets existed are made by
`entitlements_backfill`, which finance runs from the to-pay page (not a data migration: it needs
this year's budgets, which an administrator enters after the upgrade, and it refuses with the
figures where a budget is short, like any approval).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from helpcenter.duties import Duty, ensure_separate_duties
from helpcenter.errors import DomainError
from helpcenter.models import Role, User, in_scope
from households.choices import Status
from relief.models import (
    BankAccount,
    BankResult,
    BankSheet,
    BankSheetLine,
    Budget,
    ClosedMonth,
    Disbursement,
    Entitlement,
    EntitlementState,
    LineKind,
    Method,
    Programme,
    ReliefRequest,
    VoucherCounter,
)

CENT = Decimal("0.01")
MONEY_LIMIT = Decimal("10000000000")  # MONEY holds 12 digits, two of them fen
ZERO = Decimal("0.00")


class ReliefError(DomainError):
    pass


# --- Figures ----------------------------------------------------------------------------------


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def amount_left(entitlement: Entitlement) -> Decimal:
    """What is still to pay on an entitlement: its amount less its lines (reversals count
    negative), summed in the database."""
    paid = entitlement.lines.aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]
    return _money(entitlement.amount - paid)


def _committed(budgets: list[Budget]) -> dict[int, Decimal]:
    rows = (
        Entitlement.objects.filter(budget__in=budgets)
        .order_by()
        .values("budget")
        .annotate(total=Sum("amount"))
    )
    return {row["budget"]: _money(row["total"]) for row in rows}


def _paid_on_budget(budget: Budget) -> Decimal:
    total = Disbursement.objects.filter(budget=budget).aggregate(
        total=Coalesce(Sum("amount"), ZERO)
    )["total"]
    return _money(total)


def _relief_of(application) -> ReliefRequest | None:
    """The relief request of an application (None for one filed as free text before programmes
    existed: the programmes' own approval check decides whether it may be approved)."""
    return ReliefRequest.objects.select_related("programme").filter(application=application).first()


def _amount_of(relief: ReliefRequest) -> Decimal:
    return _money(relief.cash_amount + relief.goods_value)


@dataclass(frozen=True)
class BudgetShortfall:
    programme: Programme
    year: int
    allocated: Decimal
    committed: Decimal
    amount: Decimal

    @property
    def left(self) -> Decimal:
        return self.allocated - self.committed

    def error(self) -> ReliefError:
        if not self.allocated:
            return ReliefError(
                _(
                    "There is no budget for %(programme)s in %(year)s: ask an administrator to "
                    "allocate one from a fund source before approving."
                )
                % {"programme": self.programme.name, "year": self.year}
            )
        return ReliefError(
            _(
                "Not enough budget: %(programme)s in %(year)s has %(allocated)s yuan allocated, "
                "%(committed)s yuan committed, %(left)s yuan left; this approval needs "
                "%(amount)s yuan. Ask an administrator to allocate more, or approve a smaller "
                "amount."
            )
            % {
                "programme": self.programme.name,
                "year": self.year,
                "allocated": self.allocated,
                "committed": self.committed,
                "left": self.left,
                "amount": self.amount,
            }
        )


def _choose_budget(
    budgets: list[Budget], amount: Decimal, *, programme: Programme, year: int
) -> Budget:
    """The first budget (in order of use) with `amount` left, or a refusal with the figures."""
    committed = _committed(budgets)
    for budget in budgets:
        if budget.allocated - committed.get(budget.pk, ZERO) >= amount:
            return budget
    raise BudgetShortfall(
        programme=programme,
        year=year,
        allocated=_money(sum((b.allocated for b in budgets), ZERO)),
        committed=_money(sum(committed.values(), ZERO)),
        amount=amount,
    ).error()


def _approval_year() -> int:
    return timezone.localdate().year


# --- Approval hooks (cases.hooks, registered in relief.apps) ------------------------------------


def budget_check(*, actor: User, application) -> None:
    """Before approval: refuse if no budget of the programme's year has the amount left. A
    first look without a lock, so the supervisor hears it early; entitlement_create checks again
    under the lock."""
    relief = _relief_of(application)
    if relief is None:
        return
    year = _approval_year()
    budgets = list(
        Budget.objects.filter(programme=relief.programme, year=year).order_by("position", "id")
    )
    _choose_budget(budgets, _amount_of(relief), programme=relief.programme, year=year)


def _commit(
    *, application, relief: ReliefRequest, approved_by: User, year: int, recheck: bool = True
) -> Entitlement:
    amount = _amount_of(relief)
    if amount <= 0:
        raise ReliefError(_("A relief application needs an amount above 0 to be approved."))
    # The lock: two approvals of one programme's year queue here, and each sums what is
    # committed only after it holds the budgets, so both cannot pass on the last yuan.
    budgets = list(
        Budget.objects.select_for_update()
        .filter(programme=relief.programme, year=year)
        .order_by("position", "id")
    )
    budget = _choose_budget(budgets, amount, programme=relief.programme, year=year)
    # Caps and once-per-student-year decided again under the lock: two approvals at once of
    # the same patient's medical aid queue on the programme's budgets, and the second sees the
    # first's entitlement here.
    if recheck:  # (an entitlement for an approval made before programmes existed: as approved)
        from relief.applications import relief_approval_check

        relief_approval_check(actor=approved_by, application=application)
    return Entitlement.objects.create(
        application=application,
        household=relief.household,
        union=application.union,
        programme=relief.programme,
        budget=budget,
        campaign=relief.campaign,
        cash_amount=_money(relief.cash_amount),
        goods=relief.goods,
        goods_value=_money(relief.goods_value),
        amount=amount,
        approved_by=approved_by,
    )


def entitlement_create(*, actor: User, application) -> Entitlement | None:
    """On approval (inside the approval's transaction): commit the amount against the first of
    the programme's budgets for the year with enough left, recording what is owed (应发)."""
    relief = _relief_of(application)
    if relief is None:
        return None
    return _commit(application=application, relief=relief, approved_by=actor, year=_approval_year())


def entitlements_backfill(*, actor: User) -> tuple[int, list[str]]:
    """Entitlements for relief applications approved before this existed (approved, with a
    relief request, without an entitlement), committed against the budgets of the year they
    were approved, in the approver's name (so the approver still may not pay). Each in its own
    transaction; returns (created, refusals in words)."""
    from cases.models import Application, Kind, State

    if not actor.has_role(Role.FINANCE):
        raise ReliefError(_("Only finance may do this."))
    pending = (
        Application.objects.filter(
            kind=Kind.RELIEF, state=State.APPROVED, entitlement__isnull=True, relief__isnull=False
        )
        .select_related("decided_by")
        .order_by("id")
    )
    created, refusals = 0, []
    for application in pending:
        if not in_scope(actor, application.union_id):
            continue
        approved = application.steps.filter(to_state=State.APPROVED).order_by("-at").first()
        year = timezone.localtime(approved.at).year if approved else _approval_year()
        try:
            with transaction.atomic():
                relief = _relief_of(application)
                _commit(
                    application=application,
                    relief=relief,
                    approved_by=application.decided_by or actor,
                    year=year,
                    recheck=False,
                )
            created += 1
        except ReliefError as error:
            refusals.append(f"{application.applicant_name}：{error}")
        except IntegrityError:
            continue  # made meanwhile by another run
    return created, refusals


# --- Paying -----------------------------------------------------------------------------------


def _require_finance(actor: User) -> None:
    if not actor.has_role(Role.FINANCE):
        raise ReliefError(_("Only finance may record payments and close months."))


def _ensure_in_scope(actor: User, union_id: int) -> None:
    if not in_scope(actor, union_id):
        raise ReliefError(
            _("This belongs to another union: ask finance of the county federation to do it.")
        )


def _checked_amount(amount) -> Decimal:
    if isinstance(amount, float) or amount is None:
        raise ReliefError(_("Enter the amount in yuan, with at most two decimals."))
    try:
        amount = Decimal(str(amount).strip())
    except ArithmeticError:
        raise ReliefError(_("Enter the amount in yuan, with at most two decimals.")) from None
    if amount.is_finite() and abs(amount) >= MONEY_LIMIT:
        raise ReliefError(
            _("The amount is too large: enter the amount in yuan, below %(limit)s.")
            % {"limit": MONEY_LIMIT}
        )
    if not amount.is_finite() or amount != amount.quantize(CENT, rounding="ROUND_DOWN"):
        raise ReliefError(
            _("The amount %(amount)s has more than two decimals: enter yuan and fen only.")
            % {"amount": amount}
        )
    if amount <= 0:
        raise ReliefError(_("The amount must be above 0."))
    return amount.quantize(CENT)


def _next_open_month(day: datetime.date, closed: set[tuple[int, int]]) -> datetime.date:
    year, month = day.year, day.month
    while (year, month) in closed:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return datetime.date(year, month, 1)


def _ensure_open_month(paid_on: datetime.date) -> None:
    closed = set(ClosedMonth.objects.values_list("year", "month"))
    if (paid_on.year, paid_on.month) in closed:
        first_open = _next_open_month(paid_on, closed)
        raise ReliefError(
            _(
                "%(year)s-%(month)02d is closed (月结): no line may be dated in it. Date it in "
                "an open month, e.g. %(open_year)s-%(open_month)02d."
            )
            % {
                "year": paid_on.year,
                "month": paid_on.month,
                "open_year": first_open.year,
                "open_month": first_open.month,
            }
        )


def _ensure_date(paid_on) -> datetime.date:
    if not isinstance(paid_on, datetime.date):
        raise ReliefError(_("Enter the date of the payment."))
    if paid_on > timezone.localdate():
        raise ReliefError(_("A payment cannot be dated in the future: enter the day it was made."))
    _ensure_open_month(paid_on)
    return paid_on


def _next_voucher(year: int) -> str:
    with transaction.atomic():
        VoucherCounter.objects.get_or_create(year=year)
    counter = VoucherCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{year}-{counter.last:06d}"


def _next_sequence(entitlement: Entitlement) -> int:
    return Disbursement.objects.filter(entitlement=entitlement).count() + 1


def _write_line(**values) -> Disbursement:
    """Insert one line; the unique (entitlement, sequence) is the database's guard against a
    second payment written at the same time, whatever the checks above saw."""
    try:
        with transaction.atomic():
            return Disbursement.objects.create(**values)
    except IntegrityError:
        raise ReliefError(
            _("This entitlement has just been paid by someone else: reload the page.")
        ) from None


def _checked_card(bank_account, household, *, sent: bool = False) -> BankAccount:
    """The card paid to: the household's, held by one of its members. `sent`: the bank already
    paid to it from a sheet, so a card retired since still records what happened."""
    if bank_account is None:
        raise ReliefError(_("Choose the household's bank card to pay to."))
    card = BankAccount.objects.select_related("holder").get(pk=bank_account.pk)
    if not card.active and not sent:
        raise ReliefError(
            _("The bank card %(card)s is no longer in use: choose an active card of the household.")
            % {"card": card.masked}
        )
    if card.household_id != household.pk or card.holder.household_id != household.pk:
        raise ReliefError(
            _(
                "The holder of the card %(card)s is not a member of this household: relief is "
                "paid by real name to a card of the household."
            )
            % {"card": card.masked}
        )
    return card


def _ensure_method(method: str, *, signed_by: str, goods) -> None:
    if method not in Method.values:
        raise ReliefError(_("Choose how it is paid: bank card, cash or goods."))
    if method == Method.CASH and not signed_by.strip():
        raise ReliefError(_("A cash payment is signed for: enter who signed the receipt."))
    if method == Method.GOODS and not goods:
        raise ReliefError(_("A payment in goods lists the items given."))


def _ensure_registered(entitlement: Entitlement) -> None:
    household = entitlement.household
    if entitlement.programme.registered_only and household.status != Status.REGISTERED:
        raise ReliefError(
            _(
                "%(programme)s is paid to registered households only (先建档、后帮扶); this one "
                "is %(status)s. Nothing was paid."
            )
            % {"programme": entitlement.programme.name, "status": household.get_status_display()}
        )


def _ensure_within_budget(entitlement: Entitlement, amount: Decimal) -> None:
    if entitlement.budget_id is None:
        return
    budget = Budget.objects.select_for_update().get(pk=entitlement.budget_id)
    paid = _paid_on_budget(budget)
    if paid + amount > budget.allocated:
        raise ReliefError(
            _(
                "This payment would exceed the budget %(budget)s: %(allocated)s yuan allocated, "
                "%(paid)s yuan paid, %(left)s yuan left; this payment is %(amount)s yuan. Ask "
                "an administrator to allocate more."
            )
            % {
                "budget": budget,
                "allocated": budget.allocated,
                "paid": paid,
                "left": budget.allocated - paid,
                "amount": amount,
            }
        )


def _state_after(entitlement: Entitlement, left: Decimal) -> str:
    if left <= 0:
        return EntitlementState.PAID
    if left < entitlement.amount:
        return EntitlementState.PARTLY_PAID
    return EntitlementState.TO_PAY


@transaction.atomic
def disbursement_pay(
    *,
    actor: User,
    entitlement: Entitlement,
    method: str,
    amount: Decimal,
    paid_on: datetime.date,
    bank_account: BankAccount | None = None,
    signed_by: str = "",
    goods: list | None = None,
    note: str = "",
    bank_sheet_line: BankSheetLine | None = None,
) -> Disbursement:
    """发放: one ledger line paying (part of) an entitlement, by bank card, cash or goods. An
    entitlement on a bank sheet is paid only by that sheet's return file (`bank_sheet_line`),
    so money sent to the bank is not paid a second time at the counter."""
    entitlement = (
        Entitlement.objects.select_for_update(of=("self",))
        .select_related("household", "programme", "budget")
        .get(pk=entitlement.pk)
    )
    _require_finance(actor)
    _ensure_in_scope(actor, entitlement.union_id)
    ensure_separate_duties(
        user_id=actor.pk, duty=Duty.PAY, done_by={Duty.APPROVE: [entitlement.approved_by_id]}
    )
    if entitlement.state == EntitlementState.ON_SHEET and (
        bank_sheet_line is None or bank_sheet_line.entitlement_id != entitlement.pk
    ):
        raise ReliefError(
            _(
                "This entitlement is on a bank payment sheet awaiting the bank's return file: "
                "import the return file; a failed line comes back to the to-pay queue."
            )
        )
    amount = _checked_amount(amount)
    left = amount_left(entitlement)
    if left <= 0:
        raise ReliefError(_("This entitlement is paid in full: nothing is left to pay."))
    if amount > left:
        raise ReliefError(
            _("Only %(left)s yuan is left to pay on this entitlement; %(amount)s is too much.")
            % {"left": left, "amount": amount}
        )
    signed_by = (signed_by or "").strip()
    goods = list(goods or [])
    _ensure_method(method, signed_by=signed_by, goods=goods)
    _ensure_registered(entitlement)
    card = (
        _checked_card(bank_account, entitlement.household, sent=bank_sheet_line is not None)
        if method == Method.BANK
        else None
    )
    paid_on = _ensure_date(paid_on)
    _ensure_within_budget(entitlement, amount)
    line = _write_line(
        voucher_number=_next_voucher(paid_on.year),
        kind=LineKind.PAYMENT,
        paid_on=paid_on,
        payer=actor,
        entitlement=entitlement,
        sequence=_next_sequence(entitlement),
        household=entitlement.household,
        union_id=entitlement.household.union_id,
        programme=entitlement.programme,
        fund_id=entitlement.budget.fund_id,
        budget=entitlement.budget,
        method=method,
        amount=amount,
        bank_account=card,
        account_holder=card.holder.name if card else "",
        card_masked=card.masked if card else "",
        signed_by=signed_by,
        goods=goods,
        note=(note or "").strip(),
    )
    entitlement.state = _state_after(entitlement, left - amount)
    entitlement.save(update_fields=["state"])
    return line


def ensure_not_loan_line(line: Disbursement) -> None:
    """A micro-loan's lines (paid out, repaid, subsidy) are not reversed in the ledger: a
    repayment is reversed on the loan's page (relief.lending.repayment_reverse), which also
    restores what it paid on the instalments."""
    if line.loan_id:
        raise ReliefError(
            _(
                "This line belongs to a micro-loan: it cannot be reversed in the ledger. Open the "
                "loan's page: a repayment recorded by mistake is reversed there, under "
                "Repayments."
            )
        )


@transaction.atomic
def disbursement_reverse(
    *, actor: User, line: Disbursement, reason: str, paid_on: datetime.date
) -> Disbursement:
    """冲销: a new line of the opposite amount pointing at `line`, dated in an open month; the
    original is never edited. Its entitlement can then be paid again."""
    _require_finance(actor)
    line = Disbursement.objects.get(pk=line.pk)
    entitlement = None
    if line.entitlement_id:
        entitlement = Entitlement.objects.select_for_update().get(pk=line.entitlement_id)
    _ensure_in_scope(actor, line.union_id)
    ensure_not_loan_line(line)
    if line.kind != LineKind.PAYMENT:
        raise ReliefError(_("A reversal cannot itself be reversed: pay the entitlement again."))
    existing = Disbursement.objects.filter(reverses=line).first()
    if existing:
        raise ReliefError(
            _("This line was already reversed by voucher %(voucher)s.")
            % {"voucher": existing.voucher_number}
        )
    awaiting = (
        BankSheetLine.objects.filter(entitlement=entitlement, result=BankResult.PENDING)
        .select_related("sheet")
        .first()
        if entitlement is not None
        else None
    )
    if awaiting is not None:
        raise ReliefError(
            _(
                "This entitlement is on bank sheet %(sheet)s awaiting the bank's return file: "
                "import the return file first, then reverse the line."
            )
            % {"sheet": awaiting.sheet.number}
        )
    reason = (reason or "").strip()
    if not reason:
        raise ReliefError(_("State why the line is reversed; it is kept in the ledger."))
    paid_on = _ensure_date(paid_on)
    if paid_on < line.paid_on:
        raise ReliefError(
            _("A reversal is dated on or after the line it reverses (%(date)s).")
            % {"date": line.paid_on.isoformat()}
        )
    reversal = _write_line(
        voucher_number=_next_voucher(paid_on.year),
        kind=LineKind.REVERSAL,
        paid_on=paid_on,
        payer=actor,
        entitlement=entitlement,
        sequence=_next_sequence(entitlement) if entitlement else None,
        reverses=line,
        household_id=line.household_id,
        union_id=line.union_id,
        programme_id=line.programme_id,
        fund_id=line.fund_id,
        budget_id=line.budget_id,
        method=line.method,
        amount=-line.amount,
        bank_account_id=line.bank_account_id,
        account_holder=line.account_holder,
        card_masked=line.card_masked,
        signed_by="",
        goods=line.goods,
        note=reason,
    )
    if entitlement is not None:
        entitlement.state = _state_after(entitlement, amount_left(entitlement))
        entitlement.save(update_fields=["state"])
    return reversal


# --- Month close ------------------------------------------------------------------------------


@transaction.atomic
def month_close(*, actor: User, year: int, month: int) -> ClosedMonth:
    """月结: from now on no line may be dated in that month (the database refuses it too)."""
    _require_finance(actor)
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise ReliefError(_("Choose a month to close."))
    today = timezone.localdate()
    if (year, month) > (today.year, today.month):
        raise ReliefError(_("A month that has not begun cannot be closed."))
    waiting = (
        BankSheet.objects.filter(
            paid_on__year=year, paid_on__month=month, lines__result=BankResult.PENDING
        )
        .values_list("number", flat=True)
        .distinct()
    )
    if waiting:
        raise ReliefError(
            _(
                "Bank sheet(s) %(sheets)s dated in this month await the bank's return file: "
                "import them before closing the month."
            )
            % {"sheets": "、".join(waiting)}
        )
    closed, created = ClosedMonth.objects.get_or_create(
        year=year, month=month, defaults={"closed_by": actor}
    )
    if not created:
        raise ReliefError(
            _("%(year)s-%(month)02d is already closed.") % {"year": year, "month": month}
        )
    return closed
