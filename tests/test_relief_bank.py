"""Paying by bank card: the sheet for the bank (full card numbers, export logged), the real-name
summary (masked), and the bank's return file — paid, partly paid, failed — imported all or
nothing, once."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from households.choices import Status
from households.models import Household, PersonalDataRead
from relief import bank, cards, services
from relief.bank import BankError
from relief.models import (
    BankResult,
    BankSheet,
    BankSheetLine,
    Disbursement,
    Entitlement,
    EntitlementState,
    Method,
)
from tests.factories import household_for
from tests.relief_bank_support import entitlement_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
NUMBERS = ["6217000010012345678", "6228480012340001", "6222020200112233445"]


def card_for(people, household, number):
    return cards.bank_account_add(
        actor=people.finance,
        household=household,
        holder=household.head,
        bank_name="农村信用合作联社",
        card_number=number,
    )


@pytest.fixture
def queue(registry):
    """Three approved entitlements (1,000 / 800 / 600 元) of households with a card."""
    people = registry
    third = household_for(people.union_b, actor=people.caseworker_b, name="王五")
    entitlements = []
    for household, amount, number in zip(
        [people.household_a, people.household_b, third],
        ["1000.00", "800.00", "600.00"],
        NUMBERS,
        strict=True,
    ):
        card_for(people, household, number)
        entitlements.append(entitlement_for(people, household, amount))
    people.entitlements = entitlements
    return people


def make_sheet(people, entitlements=None):
    return bank.bank_sheet_create(
        actor=people.finance, entitlements=entitlements or people.entitlements, paid_on=TODAY()
    )


def return_file(rows, header=("序号", "卡号后四位", "实付金额", "状态", "说明")) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(["XX银行代发回单"])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    stream = io.BytesIO()
    book.save(stream)
    stream.seek(0)
    return stream


def state_of_everything():
    return (
        list(Disbursement.objects.values_list("pk", "amount").order_by("pk")),
        list(Entitlement.objects.values_list("pk", "state").order_by("pk")),
        list(BankSheetLine.objects.values_list("pk", "result", "paid_amount").order_by("pk")),
        list(BankSheet.objects.values_list("pk", "returned_at").order_by("pk")),
    )


def read_back(content: bytes) -> list[tuple]:
    book = load_workbook(io.BytesIO(content))
    return list(book.active.iter_rows(values_only=True))


# --- The sheet -----------------------------------------------------------------------------------


def test_a_sheet_takes_entitlements_off_the_queue(queue):
    sheet = make_sheet(queue)
    lines = list(sheet.lines.order_by("position"))
    assert [line.position for line in lines] == [1, 2, 3]
    assert sum(line.amount for line in lines) == Decimal("2400.00")
    assert {line.entitlement_id for line in lines} == {e.pk for e in queue.entitlements}
    assert set(Entitlement.objects.values_list("state", flat=True)) == {EntitlementState.ON_SHEET}
    assert all(line.result == BankResult.PENDING for line in lines)
    assert sheet.number.startswith(f"YH{TODAY():%Y%m%d}-")
    assert sheet.union == queue.county  # two unions on it: the county's


def test_a_household_without_a_card_or_an_entitlement_not_to_pay_is_refused(queue):
    first, second, _third = queue.entitlements
    second.household.bank_accounts.update(active=False)
    services.disbursement_pay(
        actor=queue.finance,
        entitlement=first,
        method=Method.CASH,
        amount=Decimal("1000.00"),
        paid_on=TODAY(),
        signed_by="张三",
    )
    before = state_of_everything()
    with pytest.raises(BankError) as refusal:
        make_sheet(queue)
    message = str(refusal.value)
    assert first.household.head.name in message and second.household.head.name in message
    assert state_of_everything() == before
    assert not BankSheet.objects.exists()


def test_the_sheet_workbook_has_the_full_numbers_and_logs_the_export(queue):
    sheet = make_sheet(queue)
    rows = read_back(bank.bank_sheet_workbook(actor=queue.finance, sheet=sheet))
    assert rows[1] == ("序号", "户名", "卡号", "开户行", "金额", "备注")
    body = rows[2:5]
    assert [row[0] for row in body] == [1, 2, 3]
    assert {row[2] for row in body} == set(NUMBERS)
    assert all(row[3] == "农村信用合作联社" for row in body)
    assert sum(Decimal(str(row[4])) for row in body) == Decimal("2400.00")
    assert Decimal(str(rows[5][4])) == Decimal("2400.00")  # the total
    reads = PersonalDataRead.objects.filter(reader=queue.finance)
    assert set(reads.values_list("household_id", flat=True)) == {
        e.household_id for e in queue.entitlements
    }


def test_formula_like_cells_are_escaped(queue):
    account = queue.household_a.bank_accounts.get()
    account.bank_name = '=HYPERLINK("http://x")'
    account.save()
    sheet = make_sheet(queue)
    rows = read_back(bank.bank_sheet_workbook(actor=queue.finance, sheet=sheet))
    assert '\'=HYPERLINK("http://x")' in [row[3] for row in rows]


def test_the_real_name_summary_masks_ids_and_cards(queue):
    sheet = make_sheet(queue)
    rows = read_back(bank.real_name_summary_workbook(sheet=sheet))
    assert rows[1][:7] == (
        "序号",
        "户主姓名",
        "身份证号",
        "所属工会",
        "帮扶项目",
        "金额",
        "发放方式",
    )
    text = repr(rows)
    for entitlement in queue.entitlements:
        head = entitlement.household.head
        assert head.name in text and head.id_number not in text
        assert head.id_number[:6] + "********" + head.id_number[-4:] in text
    for number in NUMBERS:
        assert number not in text and f"**** **** **** {number[-4:]}" in text
    assert queue.union_a.name in text and queue.union_b.name in text


# --- The return file -----------------------------------------------------------------------------


def test_paid_partly_paid_and_failed_lines(queue):
    sheet = make_sheet(queue)
    first, second, third = queue.entitlements
    summary = bank.bank_return_import(
        actor=queue.finance,
        sheet=sheet,
        file=return_file(
            [
                (1, "5678", 1000, "成功", ""),
                (2, "0001", "500.00", "部分成功", "单日限额"),
                (3, "3445", 0, "失败", "账户已销户"),
            ]
        ),
    )
    assert (summary.paid, summary.partly_paid, summary.failed) == (1, 1, 1)
    assert summary.amount_paid == Decimal("1500.00")
    lines = {line.entitlement_id: line for line in Disbursement.objects.all()}
    assert set(lines) == {first.pk, second.pk}
    assert lines[first.pk].amount == Decimal("1000.00")
    assert lines[second.pk].amount == Decimal("500.00")
    for line in lines.values():
        assert line.method == Method.BANK and line.paid_on == sheet.paid_on
        assert line.payer == queue.finance and line.card_masked.endswith(line.card_masked[-4:])
    states = dict(Entitlement.objects.values_list("pk", "state"))
    assert states == {
        first.pk: EntitlementState.PAID,
        second.pk: EntitlementState.PARTLY_PAID,
        third.pk: EntitlementState.TO_PAY,
    }
    results = {line.position: line for line in sheet.lines.all()}
    assert results[1].result == BankResult.PAID and results[1].disbursement == lines[first.pk]
    assert results[2].result == BankResult.PARTLY_PAID and results[2].paid_amount == Decimal("500")
    assert results[2].bank_message == "单日限额"
    assert results[3].result == BankResult.FAILED and results[3].disbursement is None
    sheet.refresh_from_db()
    assert sheet.returned_at is not None


def test_a_failed_line_returns_to_the_queue_and_is_paid_again(queue):
    sheet = make_sheet(queue)
    third = queue.entitlements[2]
    bank.bank_return_import(
        actor=queue.finance,
        sheet=sheet,
        file=return_file(
            [
                (1, "5678", 1000, "成功", ""),
                (2, "0001", 800, "成功", ""),
                (3, "3445", "", "失败", ""),
            ]
        ),
    )
    third.refresh_from_db()
    assert third.state == EntitlementState.TO_PAY
    # The household records a new card; the entitlement goes on a new sheet and is paid.
    card_for(queue, third.household, "6228480099998888")
    again = make_sheet(queue, [third])
    assert again.lines.get().amount == Decimal("600.00")
    bank.bank_return_import(
        actor=queue.finance, sheet=again, file=return_file([(1, "8888", 600, "成功", "")])
    )
    third.refresh_from_db()
    assert third.state == EntitlementState.PAID
    assert Disbursement.objects.filter(entitlement=third).get().card_masked.endswith("8888")


def test_the_rest_of_a_partly_paid_line_can_go_on_another_sheet(queue):
    sheet = make_sheet(queue, queue.entitlements[:1])
    bank.bank_return_import(
        actor=queue.finance, sheet=sheet, file=return_file([(1, "5678", 400, "部分成功", "")])
    )
    again = make_sheet(queue, queue.entitlements[:1])
    assert again.lines.get().amount == Decimal("600.00")


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        # 1,200 元 on a line of 1,000: above the entitlement.
        (
            [
                (1, "5678", 1200, "成功", ""),
                (2, "0001", 800, "成功", ""),
                (3, "3445", 0, "失败", ""),
            ],
            ["3", "1200"],
        ),
        # a line that is not on the sheet
        (
            [
                (1, "5678", 1000, "成功", ""),
                (2, "0001", 800, "成功", ""),
                (9, "3445", 0, "失败", ""),
            ],
            ["5", "9"],
        ),
        # a card that does not match its line
        (
            [
                (1, "9999", 1000, "成功", ""),
                (2, "0001", 800, "成功", ""),
                (3, "3445", 0, "失败", ""),
            ],
            ["3", "5678"],
        ),
        # a line missing
        ([(1, "5678", 1000, "成功", ""), (2, "0001", 800, "成功", "")], ["3"]),
        # a status the import does not know, and an amount with three decimals
        (
            [
                (1, "5678", 1000, "已退回", ""),
                (2, "0001", "1.005", "部分成功", ""),
                (3, "3445", 0, "失败", ""),
            ],
            ["3", "4"],
        ),
        # partly paid, but the whole amount
        (
            [
                (1, "5678", 1000, "部分成功", ""),
                (2, "0001", 800, "成功", ""),
                (3, "3445", 0, "失败", ""),
            ],
            ["3"],
        ),
        # the same line twice
        (
            [
                (1, "5678", 1000, "成功", ""),
                (1, "5678", 1000, "成功", ""),
                (2, "0001", 800, "成功", ""),
                (3, "3445", 0, "失败", ""),
            ],
            ["4"],
        ),
    ],
)
def test_a_file_with_any_problem_is_refused_as_a_whole(queue, rows, words):
    sheet = make_sheet(queue)
    before = state_of_everything()
    with pytest.raises(BankError) as refusal:
        bank.bank_return_import(actor=queue.finance, sheet=sheet, file=return_file(rows))
    message = str(refusal.value)
    for word in words:
        assert word in message
    assert state_of_everything() == before


def test_three_decimals_are_refused(queue):
    sheet = make_sheet(queue)
    rows = [
        (1, "5678", 1000, "成功", ""),
        (2, "0001", "500.005", "部分成功", ""),
        (3, "3445", 0, "失败", ""),
    ]
    with pytest.raises(BankError):
        bank.bank_return_import(actor=queue.finance, sheet=sheet, file=return_file(rows))
    assert not Disbursement.objects.exists()


def test_a_file_that_is_not_a_workbook_or_has_no_header_is_refused(queue):
    sheet = make_sheet(queue)
    with pytest.raises(BankError):
        bank.bank_return_import(
            actor=queue.finance, sheet=sheet, file=io.BytesIO(b"not a spreadsheet")
        )
    with pytest.raises(BankError) as refusal:
        bank.bank_return_import(
            actor=queue.finance,
            sheet=sheet,
            file=return_file([(1, "5678", 1000, "成功")], header=("编号", "账号", "金额", "结果")),
        )
    assert "实付金额" in str(refusal.value)
    assert not Disbursement.objects.exists()


def test_the_full_card_number_column_is_accepted(queue):
    sheet = make_sheet(queue, queue.entitlements[:1])
    bank.bank_return_import(
        actor=queue.finance,
        sheet=sheet,
        file=return_file(
            [(1, NUMBERS[0], "1,000.00", "成功", "")],
            header=("序号", "卡号", "实付金额", "状态", "说明"),
        ),
    )
    assert Disbursement.objects.get().amount == Decimal("1000.00")


def test_the_same_return_cannot_be_imported_twice(queue):
    sheet = make_sheet(queue, queue.entitlements[:1])
    rows = [(1, "5678", 1000, "成功", "")]
    bank.bank_return_import(actor=queue.finance, sheet=sheet, file=return_file(rows))
    before = state_of_everything()
    with pytest.raises(BankError):
        bank.bank_return_import(actor=queue.finance, sheet=sheet, file=return_file(rows))
    assert state_of_everything() == before
    assert Disbursement.objects.count() == 1


def test_a_refusal_of_the_ledger_refuses_the_file(queue):
    first = queue.entitlements[0]
    sheet = make_sheet(queue, [first])
    # The file was closed meanwhile (exited): the ledger refuses to pay an unregistered one.
    Household.objects.filter(pk=first.household_id).update(status=Status.EXITED)
    before = state_of_everything()
    with pytest.raises(BankError, match="1"):
        bank.bank_return_import(
            actor=queue.finance, sheet=sheet, file=return_file([(1, "5678", 1000, "成功", "")])
        )
    assert state_of_everything() == before


# --- Pages ---------------------------------------------------------------------------------------


def test_finance_makes_a_sheet_downloads_it_and_imports_the_return(client, queue):
    client.force_login(queue.finance)
    create = reverse("relief:bank_sheet_create")
    page = client.get(create).content.decode()
    for entitlement in queue.entitlements:
        assert entitlement.household.head.name in page
    response = client.post(
        create,
        {"paid_on": TODAY().isoformat(), "entitlements": [e.pk for e in queue.entitlements[:2]]},
    )
    sheet = BankSheet.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "relief:bank_sheet_detail", kwargs={"pk": sheet.pk}
    )
    assert sheet.lines.count() == 2
    detail = client.get(response["Location"]).content.decode()
    assert "**** **** **** 5678" in detail and NUMBERS[0] not in detail
    download = client.get(reverse("relief:bank_sheet_download", kwargs={"pk": sheet.pk}))
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert NUMBERS[0] in repr(read_back(download.content))
    summary = client.get(reverse("relief:bank_sheet_summary", kwargs={"pk": sheet.pk}))
    assert NUMBERS[0] not in repr(read_back(summary.content))
    upload = reverse("relief:bank_return_upload", kwargs={"pk": sheet.pk})
    refused = client.post(upload, {"file": _named(return_file([(1, "5678", 5000, "成功", "")]))})
    assert refused.status_code == 200 and 'data-testid="error-summary"' in refused.content.decode()
    assert not Disbursement.objects.exists()
    rows = [(1, "5678", 1000, "成功", ""), (2, "0001", 0, "失败", "卡已冻结")]
    assert client.post(upload, {"file": _named(return_file(rows))}).status_code == 302
    assert Disbursement.objects.count() == 1
    listing = client.get(reverse("relief:bank_sheet_list")).content.decode()
    assert sheet.number in listing


def test_grassroots_staff_cannot_open_bank_sheets(client, queue):
    sheet = make_sheet(queue)
    client.force_login(queue.caseworker_a)
    assert (
        client.get(reverse("relief:bank_sheet_detail", kwargs={"pk": sheet.pk})).status_code == 403
    )
    assert (
        client.get(reverse("relief:bank_sheet_download", kwargs={"pk": sheet.pk})).status_code
        == 403
    )
    assert not PersonalDataRead.objects.exists()


def _named(stream: io.BytesIO):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(
        "回单.xlsx",
        stream.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def test_only_finance_makes_sheets_and_imports_returns(queue):
    with pytest.raises(BankError):
        bank.bank_sheet_create(
            actor=queue.caseworker_a, entitlements=queue.entitlements[:1], paid_on=TODAY()
        )
    sheet = make_sheet(queue, queue.entitlements[:1])
    with pytest.raises(BankError):
        bank.bank_return_import(
            actor=queue.supervisor, sheet=sheet, file=return_file([(1, "5678", 0, "失败", "")])
        )
    assert BankSheet.objects.count() == 1
    assert Entitlement.objects.get(pk=queue.entitlements[0].pk).state == EntitlementState.ON_SHEET


def test_a_sheet_without_entitlements_is_refused_on_the_page(client, queue):
    client.force_login(queue.finance)
    response = client.post(reverse("relief:bank_sheet_create"), {"paid_on": TODAY().isoformat()})
    assert response.status_code == 200
    assert 'data-testid="error-summary"' in response.content.decode()
    assert not BankSheet.objects.exists()
    queue.household_b.bank_accounts.update(active=False)
    page = client.get(reverse("relief:bank_sheet_create")).content.decode()
    assert 'data-testid="without-card"' in page


def test_an_entitlement_on_a_sheet_is_not_paid_again_at_the_counter(queue):
    sheet = make_sheet(queue)
    entitlement = queue.entitlements[0]
    before = state_of_everything()
    with pytest.raises(services.ReliefError, match="回单"):
        services.disbursement_pay(
            actor=queue.finance,
            entitlement=entitlement,
            method=Method.CASH,
            amount=Decimal("1000.00"),
            paid_on=TODAY(),
            signed_by="张三",
        )
    assert state_of_everything() == before
    assert sheet.lines.get(entitlement=entitlement).result == BankResult.PENDING
