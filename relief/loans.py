"""Micro-loan repayment schedules (小额借款还款计划), computed to the fen.

`schedule()` is a pure function of its inputs — no database — so tests and scripts check it
against figures worked out by hand. The rules:

- Instalment k (from 0) is due k months after `first_due`, on the same day of the month, or on
  the month's last day when the month is shorter (first due 31 January → 28 or 29 February,
  then 31 March): each date is counted from `first_due`, not from the previous one.
- Interest of an instalment is the principal outstanding before it × annual rate ÷ 12, rounded
  half up (四舍五入) to the fen.
- ``equal_principal`` (等额本金): the principal divided by the term, rounded to the fen; the last
  instalment takes what rounding left, so the principal sums exactly to the loan.
- ``equal_instalment`` (等额本息): the payment is the annuity P·r / (1 − (1 + r)^−n) with r the
  monthly rate, rounded to the fen (P / n at a rate of zero); each instalment's principal is the
  payment less its interest, and the last one repays whatever is outstanding.
- ``bullet`` (按月付息、到期还本): interest every month on the whole principal, all of the
  principal with the last instalment.
"""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

FEN = Decimal("0.01")
METHODS = ("equal_principal", "equal_instalment", "bullet")


@dataclass(frozen=True)
class Instalment:
    number: int  # 1-based, as printed
    due: date
    principal: Decimal
    interest: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest

    def __getitem__(self, name: str):  # inst["due"] reads like inst.due, for scripts
        return getattr(self, name)


def add_months(day: date, months: int, *, anchor_day: int | None = None) -> date:
    """`day` moved by `months`, on `anchor_day` (default: day's own) or the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(anchor_day or day.day, last))


def to_fen(amount: Decimal) -> Decimal:
    """`amount` rounded half up (四舍五入) to the fen."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def monthly_interest(outstanding: Decimal, annual_rate: Decimal) -> Decimal:
    return to_fen(outstanding * annual_rate / 12)


def _check(principal: Decimal, annual_rate: Decimal, term_months: int, method: str) -> None:
    if not isinstance(principal, Decimal) or not isinstance(annual_rate, Decimal):
        raise TypeError("principal and annual_rate are Decimal, never float")
    if principal <= 0 or principal != principal.quantize(FEN):
        raise ValueError("principal must be above 0, in yuan with at most two decimals")
    if annual_rate < 0 or annual_rate >= 1:
        raise ValueError("annual_rate is a fraction from 0 up to 1 (0.0435 for 4.35 %)")
    if term_months < 1:
        raise ValueError("term_months must be at least 1")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")


def _annuity(principal: Decimal, annual_rate: Decimal, term_months: int) -> Decimal:
    if annual_rate == 0:
        return to_fen(principal / term_months)
    with localcontext() as context:
        context.prec = 40
        rate = annual_rate / 12
        return to_fen(principal * rate / (1 - (1 + rate) ** -term_months))


def schedule(
    *, principal: Decimal, annual_rate: Decimal, term_months: int, method: str, first_due: date
) -> list[Instalment]:
    """The instalments of a loan of `principal` at `annual_rate` over `term_months`."""
    _check(principal, annual_rate, term_months, method)
    payment = _annuity(principal, annual_rate, term_months)
    even_share = to_fen(principal / term_months)
    outstanding = principal
    instalments = []
    for k in range(term_months):
        interest = monthly_interest(outstanding, annual_rate)
        if k == term_months - 1:
            repaid = outstanding
        elif method == "equal_principal":
            repaid = min(even_share, outstanding)
        elif method == "equal_instalment":
            repaid = min(payment - interest, outstanding)
        else:  # bullet
            repaid = Decimal("0.00")
        instalments.append(
            Instalment(
                number=k + 1,
                due=add_months(first_due, k, anchor_day=first_due.day),
                principal=repaid,
                interest=interest,
            )
        )
        outstanding -= repaid
    return instalments
