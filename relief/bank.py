"""Paying by bank card: the payment sheet sent to the bank (银行卡发放表), the real-name summary
(实名制汇总表) and the bank's return file (回单).

A sheet takes entitlements from the to-pay queue, each to the household's active card, and puts
them "on a sheet" (they leave the queue). The bank returns one line per sheet line: paid, partly
paid or failed. Importing it is planned first and applied in one transaction: a paid or partly
paid line becomes a ledger line through `relief.services.disbursement_pay` (method bank, dated
the sheet's payment date), a failed one returns to the queue, and any problem in the file (an
amount above what was sent, an unknown or missing line, an unreadable cell) refuses the whole
file with its row numbers, changing nothing. A sheet's return is imported once.

The payment sheet holds full card numbers (the bank needs them): each export is logged as a
read of personal data (households.models.PersonalDataRead), one row per household on the sheet.
The summary shows resident IDs and cards masked only.
"""

import datetime
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from helpcenter.errors import DomainError
from helpcenter.models import User, in_scope
from households import resident_ids
from households.exporting import safe_text
from households.models import PersonalDataRead
from households.workbook import CellError, archive_problem, parse_money
from relief.cards import card_decrypt
from relief.models import (
    BankAccount,
    BankResult,
    BankSheet,
    BankSheetLine,
    Disbursement,
    Entitlement,
    EntitlementState,
    Method,
)
from relief.selectors import sum_of
from relief.services import ReliefError, amount_left, disbursement_pay

ZERO = Decimal("0.00")
SHEETABLE = (EntitlementState.TO_PAY, EntitlementState.PARTLY_PAID)
MAX_RETURN_ROWS = 20_000


class BankError(DomainError):
    pass


# --- The sheet -----------------------------------------------------------------------------------


def cash_left(entitlement: Entitlement) -> Decimal:
    """What a card may still carry of an entitlement: its cash part less the cash and card
    lines already written (goods are given in kind), never more than is left in all."""
    paid = entitlement.lines.exclude(method=Method.GOODS).aggregate(
        total=Coalesce(Sum("amount"), ZERO)
    )["total"]
    return max(ZERO, min(entitlement.cash_amount - paid, amount_left(entitlement)))


def sheetable_queue(user: User) -> QuerySet:
    """The to-pay queue as a sheet sees it: entitlements to pay or partly paid that `user` may
    see, each with `card_amount` (what `cash_left` says), summed in the database."""
    lines = Disbursement.objects.filter(entitlement=OuterRef("pk"))
    return (
        Entitlement.objects.visible_to(user)
        .filter(state__in=SHEETABLE)
        .select_related("household__head", "union", "programme")
        .annotate(
            paid_all=sum_of(lines),
            paid_cash=sum_of(lines.exclude(method=Method.GOODS)),
        )
        .annotate(card_amount=Least(F("cash_amount") - F("paid_cash"), F("amount") - F("paid_all")))
        .order_by("union__code", "household__file_number", "pk")
    )


def _require_finance(actor: User) -> None:
    if not actor.has_perm("relief.manage_bank_sheets"):
        raise BankError(_("Only finance makes bank sheets and imports the bank's return files."))


def _new_sheet(*, actor: User, union_id: int, paid_on: datetime.date) -> BankSheet:
    """The sheet with the next free number of its payment day (YH20270128-001); a number taken
    by someone at the same moment is retried with the next one."""
    prefix = f"YH{paid_on:%Y%m%d}-"
    taken = BankSheet.objects.filter(number__startswith=prefix).count()
    for attempt in range(1, 11):
        try:
            with transaction.atomic():
                return BankSheet.objects.create(
                    number=f"{prefix}{taken + attempt:03d}",
                    union_id=union_id,
                    paid_on=paid_on,
                    created_by=actor,
                )
        except IntegrityError:
            continue
    raise BankError(_("Too many sheets are being made at once: try again."))


def _cards_of(household_ids: list[int]) -> dict[int, BankAccount]:
    cards = BankAccount.objects.filter(household_id__in=household_ids, active=True)
    return {card.household_id: card for card in cards.select_related("holder")}


@transaction.atomic
def bank_sheet_create(
    *, actor: User, entitlements: Iterable[Entitlement], paid_on: datetime.date
) -> BankSheet:
    """Put entitlements to pay, each with an active card, on a new bank payment sheet."""
    _require_finance(actor)
    ids = sorted({entitlement.pk for entitlement in entitlements})
    if not ids:
        raise BankError(_("Choose at least one entitlement to put on the sheet."))
    if not isinstance(paid_on, datetime.date):
        raise BankError(_("Enter the date the bank is to pay."))
    locked = list(
        Entitlement.objects.select_for_update(of=("self",))
        .select_related("household__head", "programme")
        .filter(pk__in=ids)
        .order_by("union_id", "household__file_number", "pk")
    )
    cards = _cards_of([entitlement.household_id for entitlement in locked])
    problems, lines = [], []
    for entitlement in locked:
        name = entitlement.household.head.name
        if not in_scope(actor, entitlement.union_id):
            problems.append(_("%(name)s: belongs to another union.") % {"name": name})
        elif entitlement.state not in SHEETABLE:
            problems.append(
                _("%(name)s: not waiting to be paid (%(state)s).")
                % {"name": name, "state": entitlement.get_state_display()}
            )
        elif entitlement.household_id not in cards:
            problems.append(
                _("%(name)s: the household has no bank card in use; record one first.")
                % {"name": name}
            )
        elif (amount := cash_left(entitlement)) <= 0:
            problems.append(
                _("%(name)s: no cash is left to pay (goods are given in kind).") % {"name": name}
            )
        else:
            lines.append((entitlement, cards[entitlement.household_id], amount))
    if len(locked) != len(ids):
        problems.append(_("Some of the chosen entitlements no longer exist; reload the page."))
    if problems:
        raise BankError(
            _("Nothing was put on a sheet. Take these off the list, or fix them first: %(list)s")
            % {"list": " ".join(problems)}
        )
    unions = {entitlement.union_id for entitlement, _card, _amount in lines}
    sheet = _new_sheet(
        actor=actor,
        union_id=unions.pop() if len(unions) == 1 else actor.union_id,
        paid_on=paid_on,
    )
    BankSheetLine.objects.bulk_create(
        BankSheetLine(sheet=sheet, position=position, entitlement=e, bank_account=card, amount=a)
        for position, (e, card, a) in enumerate(lines, start=1)
    )
    Entitlement.objects.filter(pk__in=ids).update(state=EntitlementState.ON_SHEET)
    return sheet


def sheet_lines(sheet: BankSheet):
    return sheet.lines.select_related(
        "entitlement__household__head",
        "entitlement__household__union",
        "entitlement__programme",
        "bank_account__holder",
    ).order_by("position")


def sheet_total(sheet: BankSheet) -> Decimal:
    return sheet.lines.aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]


# --- The two workbooks ---------------------------------------------------------------------------


def _cell(value: object) -> object:
    if isinstance(value, Promise):
        value = str(value)
    return safe_text(value) if isinstance(value, str) else value


def _workbook(title: str, heading: str, headers: list[str], rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append([_cell(heading)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(value) for value in row])
    sheet.freeze_panes = "A3"  # the heading and the column headers stay in view
    amount = headers.index("金额") + 1
    for (cell,) in sheet.iter_rows(min_row=3, min_col=amount, max_col=amount):
        cell.number_format = "#,##0.00"
    for column, width in zip("ABCDEFGHIJ", [6, 12, 24, 24, 12, 30, 16, 12, 22, 20], strict=False):
        sheet.column_dimensions[column].width = width
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def _note(line: BankSheetLine) -> str:
    entitlement = line.entitlement
    return f"{entitlement.programme.name} {entitlement.household.file_number}"


@transaction.atomic
def bank_sheet_workbook(*, actor: User, sheet: BankSheet) -> bytes:
    """银行卡发放表 for the bank: full card numbers. Logs who exported it, per household."""
    lines = list(sheet_lines(sheet))
    rows = [
        [
            line.position,
            line.bank_account.holder.name,
            card_decrypt(line.bank_account.card_number_encrypted),
            line.bank_account.bank_name,
            line.amount,
            _note(line),
        ]
        for line in lines
    ]
    rows.append(["", _("Total"), "", "", sheet_total(sheet), ""])
    PersonalDataRead.objects.bulk_create(
        PersonalDataRead(household_id=household_id, reader=actor)
        for household_id in sorted({line.entitlement.household_id for line in lines})
    )
    heading = f"银行卡发放表 {sheet.number}（发放日期 {sheet.paid_on:%Y-%m-%d}）"
    headers = ["序号", "户名", "卡号", "开户行", "金额", "备注"]
    return _workbook("银行卡发放表", heading, headers, rows)


def real_name_summary_workbook(*, sheet: BankSheet) -> bytes:
    """实名制汇总表: who is paid, by real name, with the ID and card masked."""
    rows = []
    for line in sheet_lines(sheet):
        household = line.entitlement.household
        rows.append(
            [
                line.position,
                household.head.name,
                resident_ids.mask(household.head.id_number),
                household.union.name,
                line.entitlement.programme.name,
                line.amount,
                Method.BANK.label,
                line.bank_account.holder.name,
                line.bank_account.masked,
                line.get_result_display(),
            ]
        )
    rows.append(["", _("Total"), "", "", "", sheet_total(sheet), "", "", "", ""])
    heading = f"实名制汇总表 {sheet.number}（发放日期 {sheet.paid_on:%Y-%m-%d}）"
    headers = ["序号", "户主姓名", "身份证号", "所属工会", "帮扶项目", "金额", "发放方式"]
    headers += ["持卡人", "卡号", "发放结果"]
    return _workbook("实名制汇总表", heading, headers, rows)


# --- The bank's return file ----------------------------------------------------------------------

STATUS_WORDS = {
    "成功": BankResult.PAID,
    "已成功": BankResult.PAID,
    "部分成功": BankResult.PARTLY_PAID,
    "失败": BankResult.FAILED,
}
COLUMNS = {
    "position": ("序号",),
    "last4": ("卡号后四位", "卡号"),
    "paid": ("实付金额",),
    "status": ("状态",),
    "message": ("说明",),
}
REQUIRED_COLUMNS = ("position", "last4", "paid", "status")


@dataclass
class PlannedResult:
    line: BankSheetLine
    result: str
    paid: Decimal
    message: str


@dataclass
class ReturnSummary:
    paid: int = 0
    partly_paid: int = 0
    failed: int = 0
    amount_paid: Decimal = ZERO
    rows: list[PlannedResult] = field(default_factory=list)


def _key(value: object) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", str(value or "")))


def _text(value: object) -> str:
    return "" if value is None else unicodedata.normalize("NFKC", str(value)).strip()


def _header(rows: list[tuple]) -> tuple[int, dict[str, int]]:
    """The header row (among the first five) and the column of each field."""
    for index, row in enumerate(rows[:5]):
        keys = [_key(value) for value in row]
        found = {}
        for name, words in COLUMNS.items():
            for word in words:
                if word in keys:
                    found[name] = keys.index(word)
                    break
        if all(name in found for name in REQUIRED_COLUMNS):
            return index, found
    raise BankError(
        _(
            "The return file has no header row with the columns 序号, 卡号后四位 (or 卡号), "
            "实付金额 and 状态. Use the bank's return file for this sheet as it came."
        )
    )


def _read_rows(file) -> list[tuple]:
    problem = archive_problem(file)
    if problem:
        raise BankError(problem)
    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # zipfile, XML and openpyxl errors all mean: not a readable .xlsx
        raise BankError(_unreadable()) from None
    try:
        rows = []
        for row in book.worksheets[0].iter_rows(values_only=True):
            rows.append(row)
            if len(rows) > MAX_RETURN_ROWS:
                raise BankError(
                    _("The return file has more than %(limit)d rows: it is not this sheet's.")
                    % {"limit": MAX_RETURN_ROWS}
                )
        return rows
    except BankError:
        raise
    except Exception:
        raise BankError(_unreadable()) from None
    finally:
        book.close()


def _unreadable() -> str:
    return _(
        "The return file cannot be read as an Excel workbook (.xlsx). Save it in Excel as "
        "“Excel Workbook (*.xlsx)” and upload it again."
    )


def _value(row: tuple, columns: dict[str, int], name: str) -> object:
    index = columns.get(name)
    return row[index] if index is not None and index < len(row) else None


def _amount(value: object) -> Decimal:
    """An amount in yuan with at most two decimals (1.005 is refused, not rounded)."""
    amount = parse_money(value)
    exact = Decimal(str(value)) if isinstance(value, int | float) else None
    if exact is None:
        text = re.sub(r"[\s,，¥￥元]", "", unicodedata.normalize("NFKC", str(value)))
        try:
            exact = Decimal(text)
        except ArithmeticError:
            exact = amount
    if exact != amount:
        raise CellError(
            _("实付金额 %(value)s has more than two decimals: yuan and fen only.")
            % {"value": value}
        )
    return amount


def _plan_row(row, columns, lines: dict[int, BankSheetLine], seen: set[int]):
    """The planned result of one row, or the problem with it in words."""
    raw_position = _text(_value(row, columns, "position"))
    try:
        number = Decimal(raw_position)
        if not number.is_finite() or number != number.to_integral_value():
            raise ValueError(raw_position)
        position = int(number)
    except (ArithmeticError, ValueError):
        return None, _("序号 “%(value)s” is not a line number.") % {"value": raw_position}
    line = lines.get(position)
    if line is None:
        return None, _("line %(position)s is not on this sheet.") % {"position": position}
    if position in seen:
        return None, _("line %(position)s appears twice.") % {"position": position}
    seen.add(position)
    card = re.sub(r"\D", "", _text(_value(row, columns, "last4")))
    if card[-4:] != line.bank_account.card_last4:
        return None, _("the card does not end in %(last4)s as the sheet's line %(position)s.") % {
            "last4": line.bank_account.card_last4,
            "position": position,
        }
    status = _key(_value(row, columns, "status"))
    if status not in STATUS_WORDS:
        return None, _("状态 “%(value)s” is not 成功, 部分成功 or 失败.") % {"value": status}
    result = STATUS_WORDS[status]
    raw_paid = _value(row, columns, "paid")
    try:
        paid = ZERO if _text(raw_paid) == "" else _amount(raw_paid)
    except CellError as error:
        return None, str(error)
    if _text(raw_paid) == "" and result == BankResult.PAID:
        paid = line.amount
    if paid > line.amount:
        return None, _(
            "实付金额 %(paid)s is above the %(amount)s yuan sent for line %(position)s."
        ) % {"paid": paid, "amount": line.amount, "position": position}
    if result == BankResult.PAID and paid != line.amount:
        return None, _(
            "状态 is 成功 but 实付金额 %(paid)s is not the %(amount)s yuan sent: write 部分成功."
        ) % {"paid": paid, "amount": line.amount}
    if result == BankResult.PARTLY_PAID and not ZERO < paid < line.amount:
        return None, _("状态 is 部分成功: 实付金额 must be above 0 and below %(amount)s.") % {
            "amount": line.amount
        }
    if result == BankResult.FAILED and paid != ZERO:
        message = _("状态 is 失败 but 实付金额 is %(paid)s: write 0 or 部分成功.")
        return None, message % {"paid": paid}
    message = _text(_value(row, columns, "message"))[:200]
    return PlannedResult(line=line, result=result, paid=paid, message=message), ""


def plan_return(*, sheet: BankSheet, file) -> ReturnSummary:
    """Read and check the whole return file against the sheet; BankError lists every problem
    with its row number. Nothing is written."""
    rows = _read_rows(file)
    header_index, columns = _header(rows)
    lines = {line.position: line for line in sheet_lines(sheet)}
    summary, problems, seen = ReturnSummary(), [], set()
    for number, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        if all(_text(value) == "" for value in row):
            continue
        planned, problem = _plan_row(row, columns, lines, seen)
        if problem:
            problems.append(_("Row %(row)d: %(problem)s") % {"row": number, "problem": problem})
        else:
            summary.rows.append(planned)
    missing = sorted(set(lines) - seen)
    if missing and not problems:
        problems.append(
            _("The file has no result for lines %(lines)s of the sheet.")
            % {"lines": "、".join(str(position) for position in missing)}
        )
    if problems:
        raise BankError(
            _("The return file was refused as a whole; nothing was recorded. %(problems)s")
            % {"problems": " ".join(problems)}
        )
    return summary


def _state_after_failure(entitlement: Entitlement) -> str:
    left = amount_left(entitlement)
    return EntitlementState.TO_PAY if left >= entitlement.amount else EntitlementState.PARTLY_PAID


@transaction.atomic
def bank_return_import(*, actor: User, sheet: BankSheet, file) -> ReturnSummary:
    """Record the bank's return file for a sheet: ledger lines for what was paid, the queue
    again for what failed. All or nothing; a sheet's return is imported once."""
    _require_finance(actor)
    sheet = BankSheet.objects.select_for_update().get(pk=sheet.pk)
    if not in_scope(actor, sheet.union_id):
        raise BankError(_("This sheet belongs to another union."))
    if sheet.returned_at is not None:
        at = timezone.localtime(sheet.returned_at)
        raise BankError(
            _(
                "The return file of sheet %(number)s was already imported on %(at)s; it cannot "
                "be imported twice. Failed lines are back in the to-pay queue."
            )
            % {"number": sheet.number, "at": f"{at:%Y-%m-%d %H:%M}"}
        )
    summary = plan_return(sheet=sheet, file=file)
    for planned in summary.rows:
        line = planned.line
        if planned.result != BankResult.FAILED:
            try:
                line.disbursement = disbursement_pay(
                    actor=actor,
                    entitlement=line.entitlement,
                    method=Method.BANK,
                    amount=planned.paid,
                    paid_on=sheet.paid_on,
                    bank_account=line.bank_account,
                    bank_sheet_line=line,
                    note=_("Bank sheet %(number)s, line %(position)d")
                    % {"number": sheet.number, "position": line.position},
                )
            except ReliefError as error:
                raise BankError(
                    _("Line %(position)d: %(problem)s The return file was not recorded.")
                    % {"position": line.position, "problem": error.message}
                ) from None
            summary.amount_paid += planned.paid
        else:
            Entitlement.objects.filter(pk=line.entitlement_id).update(
                state=_state_after_failure(line.entitlement)
            )
        line.result, line.paid_amount, line.bank_message = (
            planned.result,
            planned.paid,
            planned.message,
        )
        line.save(update_fields=["result", "paid_amount", "bank_message", "disbursement"])
        setattr(summary, planned.result, getattr(summary, planned.result) + 1)
    sheet.returned_at = timezone.now()
    sheet.save(update_fields=["returned_at"])
    return summary


def sheets_with_totals(queryset):
    return queryset.annotate(
        total=Coalesce(Sum("lines__amount"), ZERO),
        paid_total=Coalesce(Sum("lines__paid_amount"), ZERO),
        line_count=Count("lines"),
        failed_lines=Count("lines", filter=Q(lines__result=BankResult.FAILED)),
    )
