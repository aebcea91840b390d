"""Demo money for `seed_demo`: every finance page has something to show.

What it builds, through the same services the pages use (so the demo obeys every rule):
- the fund sources' amounts for this year and each programme's budget drawn from them;
- living-aid applications of registered households taken through the notice to approval
  (entitlements), paid over the year in cash and by bank card, one reversed and paid again,
  a few left in the to-pay queue;
- bank cards for some households, a bank payment sheet and the bank's return file with one
  failed line (it returns to the queue);
- a verification sample of the paid households, two of them answered;
- January closed (月结) when the year is far enough along;
- a Spring Festival warmth campaign in progress: applications filed for one union and posted.

Idempotent: nothing is built once the county has an entitlement or a ledger line. A step whose
rule refuses it in this county (a programme an administrator removed, too few households) is
left out: the demo builds what it can.
"""

import io
import logging
import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

from cases import services as case_services
from cases.models import Application
from helpcenter.demo import DemoPeople
from helpcenter.errors import DomainError
from helpcenter.models import Role, Union, UnionKind, User
from households.choices import Status
from households.models import Household
from relief import services
from relief.models import (
    Budget,
    Disbursement,
    Entitlement,
    Fund,
    FundKind,
    FundYear,
    Method,
    Programme,
)

logger = logging.getLogger("helpcenter.relief")

# What each kind of source provides in a year (元), and the budget each programme draws.
YEARLY = {
    FundKind.CENTRAL: Decimal("600000.00"),
    FundKind.LOCAL: Decimal("200000.00"),
    FundKind.UNION: Decimal("150000.00"),
    FundKind.DONATION: Decimal("50000.00"),
}
BUDGETS = {  # programme code → [(fund code, allocated)], in the order approvals draw on them
    "warmth": [("central", "200000.00"), ("union", "50000.00")],
    "tuition": [("central", "100000.00"), ("donation", "20000.00")],
    "medical": [("central", "60000.00"), ("local", "40000.00")],
    "living": [("central", "80000.00"), ("local", "60000.00"), ("union", "40000.00")],
    "emergency": [("local", "50000.00"), ("union", "30000.00")],
}
PAYMENTS = 10  # living-aid entitlements made (fewer when fewer households are registered)
BANKS = ("中国农业银行清河支行", "河北农村信用社清河联社", "中国邮政储蓄银行清河支行")


def seed_relief(*, people: DemoPeople, seed: int) -> int:
    """Build the demo's money; returns the number of ledger lines made."""
    if Entitlement.objects.exists() or Disbursement.objects.exists():
        return 0
    staff = _staff()
    if staff is None:
        return 0
    chooser = random.Random(f"{seed}-relief")  # noqa: S311 (demo data)
    today = timezone.localdate()
    _budgets(today.year)
    entitlements = _entitlements(staff, chooser)
    if entitlements:
        _pay_over_the_year(staff, chooser, entitlements, today)
        _verification(staff, seed)
        _close_january(staff, today)
    _campaign(staff, today)
    return Disbursement.objects.count()


def _staff() -> dict[str, User] | None:
    county = Union.objects.filter(kind=UnionKind.COUNTY).first()
    if county is None:
        return None

    def one(role: str, preferred: str, *, other_than: User | None = None) -> User | None:
        users = User.objects.filter(union=county, role_grants__role=role, is_active=True)
        if other_than is not None:
            users = users.exclude(pk=other_than.pk)
        return users.filter(username=preferred).first() or users.order_by("username").first()

    supervisor = one(Role.SUPERVISOR, "supervisor")
    approver = one(Role.SUPERVISOR, "approver", other_than=supervisor)
    finance = one(Role.FINANCE, "finance")
    if not (supervisor and approver and finance):
        return None
    return {"supervisor": supervisor, "approver": approver, "finance": finance}


def _budgets(year: int) -> None:
    for fund in Fund.objects.filter(active=True):
        FundYear.objects.get_or_create(
            fund=fund,
            year=year,
            defaults={"amount": YEARLY.get(fund.kind, Decimal("50000.00")), "note": "演示数据"},
        )
    funds = {fund.code: fund for fund in Fund.objects.all()}
    for code, draws in BUDGETS.items():
        programme = Programme.objects.filter(code=code).first()
        if programme is None:
            continue
        for position, (fund_code, allocated) in enumerate(draws):
            if fund_code in funds:
                Budget.objects.get_or_create(
                    programme=programme,
                    fund=funds[fund_code],
                    year=year,
                    defaults={"allocated": Decimal(allocated), "position": position},
                )


def _caseworker(union: Union) -> User | None:
    return (
        User.objects.filter(union=union, role_grants__role=Role.CASEWORKER, is_active=True)
        .order_by("username")
        .first()
    )


def _entitlements(staff: dict, chooser: random.Random) -> list[Entitlement]:
    """Living-aid applications of registered households, filed, reviewed, posted in a notice
    that ended, and approved: each approval commits an entitlement."""
    programme = Programme.objects.filter(code="living", active=True).first()
    if programme is None:
        return []
    households = list(
        Household.objects.filter(status=Status.REGISTERED, head__isnull=False)
        .select_related("union")
        .order_by("union__code", "pk")[: PAYMENTS * 3]
    )
    # Half of the files at most: the rest stay free of relief (a small demo keeps files that
    # can still be edited, exited or removed).
    wanted = min(PAYMENTS, len(households) // 2)
    chooser.shuffle(households)
    filed: list[Application] = []
    for household in households:
        if len(filed) >= wanted:
            break
        filer = _caseworker(household.union)
        if filer is None:
            continue
        try:
            with transaction.atomic():
                application = _file(filer, household, programme, chooser)
        except DomainError as error:
            logger.info("demo relief left out for %s: %s", household, error)
            continue
        filed.append(application)
    if not filed:
        return []
    today = timezone.localdate()
    supervisor, approver = staff["supervisor"], staff["approver"]
    county = Union.objects.get(kind=UnionKind.COUNTY)
    try:
        with transaction.atomic():
            notice = case_services.notice_create(
                actor=supervisor,
                union=county,
                title=f"{today.year}年生活救助公示（第一批）",
                place="县总工会一楼公示栏、各基层工会公开栏",
                contact="县总工会帮扶中心 0311-5550123",
                start_on=today - timedelta(days=30),
                working_days=5,
                applications=filed,
            )
            notice = case_services.notice_publish(
                actor=supervisor, notice=notice, today=notice.start_on
            )
            case_services.notice_close(notice=notice)
    except DomainError as error:
        logger.info("demo relief notice left out: %s", error)
        return []
    entitlements = []
    for application in filed:
        try:
            approved = case_services.application_approve(
                actor=approver, application=Application.objects.get(pk=application.pk)
            )
        except DomainError as error:
            logger.info("demo relief approval left out: %s", error)
            continue
        entitlement = Entitlement.objects.filter(application=approved).first()
        if entitlement is not None:
            entitlements.append(entitlement)
    return entitlements


def _file(filer: User, household: Household, programme: Programme, chooser) -> Application:
    from relief.applications import relief_application_file

    application = relief_application_file(
        actor=filer,
        household=household,
        programme=programme,
        reason=chooser.choice(
            ["家人患病，医药费负担重", "本人下岗，家庭收入低于低保标准", "单亲抚养子女，生活困难"]
        ),
    )
    case_services.application_submit(actor=filer, application=application)
    supervisor = User.objects.filter(username="supervisor").first()
    reviewer = supervisor or User.objects.filter(role_grants__role=Role.SUPERVISOR).first()
    case_services.application_review(actor=reviewer, application=application, comment="材料齐全")
    return application


# --- Payments ------------------------------------------------------------------------------------


def _card_number(chooser: random.Random) -> str:
    """16 digits with a valid Luhn check digit (a demo card)."""
    digits = [6, 2, 2, 8, 4, 8] + [chooser.randrange(10) for _ in range(9)]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 0:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def _pay_over_the_year(staff: dict, chooser, entitlements: list[Entitlement], today: date) -> None:
    """Cash payments dated over the year; one reversed and paid again; the households with a
    card go on a bank sheet whose return file fails one line; the last two stay to pay."""
    from relief.cards import bank_account_add

    finance = staff["finance"]
    to_pay = entitlements[:-2] if len(entitlements) > 3 else entitlements
    by_card = to_pay[len(to_pay) // 2 :] if len(to_pay) >= 4 else []
    in_cash = [entitlement for entitlement in to_pay if entitlement not in by_card]
    months = max(today.month - 1, 1)
    for number, entitlement in enumerate(in_cash):
        month = 1 + number * months // max(len(in_cash), 1)
        paid_on = min(date(today.year, month, 10 + number % 15), today)
        _pay_cash(finance, entitlement, paid_on)
    paid = list(Disbursement.objects.order_by("pk"))
    if paid:
        _reverse_and_pay_again(finance, paid[0], today)
    for entitlement in by_card:
        household = entitlement.household
        try:
            bank_account_add(
                actor=finance,
                household=household,
                holder=household.head,
                bank_name=chooser.choice(BANKS),
                card_number=_card_number(chooser),
            )
        except DomainError as error:
            logger.info("demo card left out for %s: %s", household, error)
    _bank_sheet(finance, by_card, today)


def _pay_cash(finance: User, entitlement: Entitlement, paid_on: date):
    entitlement = Entitlement.objects.get(pk=entitlement.pk)
    try:
        return services.disbursement_pay(
            actor=finance,
            entitlement=entitlement,
            method=Method.CASH,
            amount=entitlement.amount,
            paid_on=paid_on,
            signed_by=entitlement.household.head.name,
            note="入户发放，本人签收",
        )
    except DomainError as error:
        logger.info("demo payment left out: %s", error)
        return None


def _reverse_and_pay_again(finance: User, line: Disbursement, today: date) -> None:
    try:
        services.disbursement_reverse(
            actor=finance, line=line, reason="签收人填写有误，冲销后重新发放", paid_on=today
        )
    except DomainError as error:
        logger.info("demo reversal left out: %s", error)
        return
    _pay_cash(finance, line.entitlement, today)


def _bank_sheet(finance: User, entitlements: list[Entitlement], today: date) -> None:
    """A sheet of the entitlements paid by card, and the bank's return: all paid but the last,
    which failed (a closed account) and returns to the to-pay queue."""
    from relief.bank import bank_return_import, bank_sheet_create, sheet_lines

    carded = [
        Entitlement.objects.get(pk=entitlement.pk)
        for entitlement in entitlements
        if entitlement.household.bank_accounts.filter(active=True).exists()
    ]
    if not carded:
        return
    try:
        sheet = bank_sheet_create(
            actor=finance, entitlements=carded, paid_on=today - timedelta(days=3)
        )
        lines = list(sheet_lines(sheet))
        book = Workbook()
        rows = book.active
        rows.append(["序号", "卡号后四位", "实付金额", "状态", "说明"])
        for number, line in enumerate(lines):
            failed = number == len(lines) - 1 and len(lines) > 1
            rows.append(
                [
                    line.position,
                    line.bank_account.card_last4,
                    0 if failed else line.amount,
                    "失败" if failed else "成功",
                    "账户已销户" if failed else "",
                ]
            )
        stream = io.BytesIO()
        book.save(stream)
        stream.seek(0)
        stream.name = "回单.xlsx"
        bank_return_import(actor=finance, sheet=sheet, file=stream)
    except DomainError as error:
        logger.info("demo bank sheet left out: %s", error)


# --- Verification, month close, a campaign --------------------------------------------------------


def _verification(staff: dict, seed: int) -> None:
    from relief.models import Answer
    from relief.verification import check_answer, paid_population, sample_draw

    supervisor = staff["supervisor"]
    try:
        population = paid_population(
            actor=supervisor,
            programme=Programme.objects.get(code="living"),
            date_from=date(timezone.localdate().year, 1, 1),
            date_to=timezone.localdate(),
        )
        sample = sample_draw(
            actor=supervisor,
            title=f"{timezone.localdate().year}年生活救助发放回访",
            population=population,
            confidence=Decimal("0.90"),
            margin=Decimal("0.10"),
            seed=seed,
        )
        for check, answer in zip(
            sample.checks.order_by("pk"), (Answer.RECEIVED, Answer.UNREACHABLE), strict=False
        ):
            check_answer(actor=supervisor, check=check, answer=answer, note="电话回访")
    except DomainError as error:
        logger.info("demo verification left out: %s", error)


def _close_january(staff: dict, today: date) -> None:
    if today.month < 3:
        return
    try:
        services.month_close(actor=staff["finance"], year=today.year, month=1)
    except DomainError as error:
        logger.info("demo month close left out: %s", error)


def _campaign(staff: dict, today: date) -> None:
    """A Spring Festival warmth campaign prepared for one union (the first whose households
    the tiers cover), its applications reviewed and posted: the notice runs now."""
    programme = Programme.objects.filter(code="warmth", active=True).first()
    if programme is None:
        return
    year = today.year + 1 if today.month >= 10 else today.year
    for union in Union.objects.filter(parent__kind=UnionKind.COUNTY).order_by("code"):
        caseworker = _caseworker(union)
        if caseworker is None:
            continue
        try:
            with transaction.atomic():
                _campaign_of(staff, caseworker, union, programme, year, today)
        except DomainError as error:
            logger.info("demo campaign not in %s: %s", union, error)
            continue
        return


def _campaign_of(staff, caseworker, union, programme, year: int, today: date) -> None:
    from relief.campaigns import campaign_create, campaign_filters

    supervisor = staff["supervisor"]
    campaign = campaign_create(
        actor=caseworker,
        name=f"{year}年春节送温暖",
        programme=programme,
        year=year,
        filters=campaign_filters(actor=caseworker, union=union),
        reason="春节前入户慰问困难职工家庭",
    )
    applications = list(Application.objects.filter(relief__campaign=campaign))
    for application in applications:
        case_services.application_review(
            actor=supervisor, application=application, comment="按档次核定"
        )
    notice = case_services.notice_create(
        actor=supervisor,
        union=union,
        title=f"{campaign.name}名单公示",
        place=f"{union.name}公开栏",
        contact="县总工会帮扶中心 0311-5550123",
        start_on=today,
        working_days=5,
        applications=applications,
    )
    case_services.notice_publish(actor=supervisor, notice=notice)
