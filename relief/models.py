"""Relief: programmes and their rules, the funds behind them, campaigns, what was approved
(entitlements), and the ledger (台账) of every yuan paid.

The money path: a relief application (cases.Application of kind relief, with its ReliefRequest)
goes through review, the public notice and approval; approval checks the programme's rules again
(relief.eligibility) and commits the amount against a budget under a lock, recording an
Entitlement (应发). Finance pays the entitlement (bank card, cash or goods): each payment is one
Disbursement line, never changed or deleted; a mistake is reversed by a new line. Money is
Decimal with two places everywhere, and sums are done in the database.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from helpcenter.models import Union, union_scope
from households.choices import Category, Degree, SchoolStage
from households.models import MONEY, DocumentType, Household, Member


def _private_storage():
    from households.storage import private_storage

    return private_storage


class ScopedQuerySet(models.QuerySet):
    """Rows that carry the union they belong to: the one rule of visibility applies to it."""

    def visible_to(self, user):
        scope = union_scope(user)
        return self if scope is None else self.filter(scope)


def scoped_by(field: str) -> type[models.QuerySet]:
    """A QuerySet class whose visible_to applies the one rule of visibility to `field`: rows
    reached through the object that carries the union (a sheet line through its entitlement,
    an instalment through its loan)."""

    class Scoped(models.QuerySet):
        def visible_to(self, user):
            scope = union_scope(user, field=field)
            return self if scope is None else self.filter(scope)

    return Scoped


# --- Programmes as data --------------------------------------------------------------------------


class ProgrammeKind(models.TextChoices):
    WARMTH = "warmth", _("Holiday warmth visit")
    TUITION = "tuition", _("Tuition aid")
    MEDICAL = "medical", _("Medical aid")
    LIVING = "living", _("Living aid")
    EMERGENCY = "emergency", _("Emergency aid")
    OTHER = "other", _("Other programme")


class MedicalCase(models.TextChoices):
    STAY = "stay", _("Hospital stay without surgery")
    SURGERY = "surgery", _("Hospital stay with surgery")


class ProgrammeQuerySet(models.QuerySet):
    def active(self) -> "ProgrammeQuerySet":
        return self.filter(active=True)


class Programme(models.Model):
    """帮扶项目: a kind of help with its rules, kept by an administrator. Amounts come from its
    tiers (each with effective dates); the caps and switches below are the programme's own."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ProgrammeKind.choices)
    description = models.TextField(_("description"), blank=True)
    registered_only = models.BooleanField(
        _("registered households only (先建档、后帮扶)"),
        default=True,
        help_text=_(
            "Untick where the county also helps families outside the register, at the tiers "
            "marked for them."
        ),
    )
    yearly_cap_per_person = models.DecimalField(
        _("cap per person per year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("The most one person may receive from this programme in a calendar year."),
        **MONEY,
    )
    once_per_student_year = models.BooleanField(
        _("once per student per school year, never on top of another grant for the same study"),
        default=False,
    )
    county_approval_above = models.DecimalField(
        _("county-level approval above"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("An amount above this needs the approval of a county federation supervisor."),
        **MONEY,
    )
    required_documents = models.ManyToManyField(
        DocumentType, blank=True, related_name="programmes", verbose_name=_("proof documents")
    )
    active = models.BooleanField(_("open for applications"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("relief programme")
        verbose_name_plural = _("relief programmes")

    def __str__(self) -> str:
        return self.name


class GoodsItem(models.Model):
    """An item given in kind (rice, oil, a quilt, heating coal) at a unit value."""

    name = models.CharField(_("name"), max_length=50)
    unit = models.CharField(_("unit"), max_length=10)
    unit_value = models.DecimalField(
        _("unit value"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY
    )
    valid_from = models.DateField(_("effective from"))
    valid_to = models.DateField(_("effective until"), null=True, blank=True)

    class Meta:
        ordering = ["name", "-valid_from"]
        verbose_name = _("goods item")
        verbose_name_plural = _("goods items")
        constraints = [
            models.UniqueConstraint(fields=["name", "valid_from"], name="goods_item_from")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit_value}元/{self.unit}）"


class Tier(models.Model):
    """One amount of a programme for the households it matches (an empty criterion matches any):
    by category and degree (holiday visits), by school stage (tuition), by hospital stay and
    surgery (medical aid). A fixed amount, or with `is_ceiling` the most that may be granted."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="tiers", verbose_name=_("programme")
    )
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    degree = models.CharField(_("degree"), max_length=20, choices=Degree.choices, blank=True)
    school_stage = models.CharField(
        _("school stage"),
        max_length=20,
        choices=[c for c in SchoolStage.choices if c[0]],
        blank=True,
    )
    medical_case = models.CharField(
        _("medical case"), max_length=20, choices=MedicalCase.choices, blank=True
    )
    for_registered = models.BooleanField(
        _("for registered households"),
        default=True,
        help_text=_("Untick for the tier of families outside the register."),
    )
    cash_amount = models.DecimalField(
        _("cash amount"), validators=[MinValueValidator(Decimal(0))], **MONEY
    )
    is_ceiling = models.BooleanField(
        _("the amount is a ceiling"),
        default=False,
        help_text=_("Ticked: the caseworker states the amount, at most this one."),
    )
    valid_from = models.DateField(_("effective from"))
    valid_to = models.DateField(_("effective until"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["programme", "position", "id"]
        verbose_name = _("amount tier")
        verbose_name_plural = _("amount tiers")

    def __str__(self) -> str:
        return f"{self.programme} · {self.name}"


class TierGoods(models.Model):
    """Goods that come with a tier (a holiday visit's rice and oil)."""

    tier = models.ForeignKey(
        Tier, on_delete=models.CASCADE, related_name="goods", verbose_name=_("amount tier")
    )
    item = models.ForeignKey(
        GoodsItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("goods item")
    )
    quantity = models.DecimalField(
        _("quantity"), max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )

    class Meta:
        verbose_name = _("goods of a tier")
        verbose_name_plural = _("goods of tiers")
        constraints = [models.UniqueConstraint(fields=["tier", "item"], name="tier_goods_item")]

    def __str__(self) -> str:
        return f"{self.tier}: {self.item.name} × {self.quantity}"


# --- Funds and budgets ---------------------------------------------------------------------------


class FundKind(models.TextChoices):
    CENTRAL = "central", _("Central fiscal hardship funds")
    LOCAL = "local", _("Local fiscal matching funds")
    UNION = "union", _("Union's own funds")
    DONATION = "donation", _("Donations")
    OTHER = "other", _("Other source")


class Fund(models.Model):
    """资金来源: an earmarked source of money (专款专用)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=FundKind.choices)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("fund source")
        verbose_name_plural = _("fund sources")

    def __str__(self) -> str:
        return self.name


class FundYear(models.Model):
    """What a source provides in a year (its programmes' budgets are drawn from it)."""

    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="years", verbose_name=_("fund source")
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    amount = models.DecimalField(
        _("amount for the year"), validators=[MinValueValidator(Decimal(0))], **MONEY
    )
    note = models.CharField(_("source document"), max_length=200, blank=True)

    class Meta:
        ordering = ["-year", "fund"]
        verbose_name = _("yearly amount of a fund")
        verbose_name_plural = _("yearly amounts of funds")
        constraints = [models.UniqueConstraint(fields=["fund", "year"], name="fund_year")]

    def __str__(self) -> str:
        return f"{self.fund} {self.year}"


class Budget(models.Model):
    """预算: the part of a fund's year given to one programme. Approvals commit against it
    under a row lock (relief.funds); committed and paid are summed from entitlements and the
    ledger, never kept as running totals."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="budgets", verbose_name=_("programme")
    )
    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="budgets", verbose_name=_("fund source")
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    allocated = models.DecimalField(
        _("allocated"), validators=[MinValueValidator(Decimal(0))], **MONEY
    )
    position = models.PositiveSmallIntegerField(
        _("order of use"), default=0, help_text=_("Approvals draw on budgets in this order.")
    )

    class Meta:
        ordering = ["-year", "programme", "position", "id"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [
            models.UniqueConstraint(fields=["programme", "fund", "year"], name="budget_once")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.programme} · {self.fund}"


# --- Campaigns -----------------------------------------------------------------------------------


class Campaign(models.Model):
    """批次: e.g. 2027年春节送温暖 — households chosen by filters, their applications created in
    one step and posted in a notice like any other."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("programme")
    )
    union = models.ForeignKey(
        Union, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("issuing union")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    filters = models.JSONField(_("selection"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name


# --- A relief application's details --------------------------------------------------------------


class ReliefRequestQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ReliefRequestQuerySet":
        scope = union_scope(user, field="application__union_id")
        return self if scope is None else self.filter(scope)


class ReliefRequest(models.Model):
    """What a relief application asks for, beside cases.Application (whose `programme` keeps the
    programme's name as posted and `requested_amount` the cash on the notice): the programme,
    the tier chosen, the details the rules need, and the eligibility decision with its reason
    as it stood when filed (and again when approved)."""

    application = models.OneToOneField(
        "cases.Application", on_delete=models.CASCADE, related_name="relief"
    )
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="requests", verbose_name=_("programme")
    )
    tier = models.ForeignKey(
        Tier, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="requests"
    )
    # Tuition aid: the student and the school year (its first calendar year: 2026 = 2026–2027).
    student = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    school_year = models.PositiveSmallIntegerField(_("school year"), null=True, blank=True)
    other_grant = models.BooleanField(_("receives another grant for the same study"), default=False)
    # Medical aid: the case, the patient and the out-of-pocket cost.
    medical_case = models.CharField(
        _("medical case"), max_length=20, choices=MedicalCase.choices, blank=True
    )
    patient = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    out_of_pocket = models.DecimalField(_("out-of-pocket costs"), null=True, blank=True, **MONEY)
    cash_amount = models.DecimalField(_("cash amount"), default=Decimal(0), **MONEY)
    goods = models.JSONField(
        _("goods"), default=list, blank=True
    )  # [{item, unit, quantity, value}]
    goods_value = models.DecimalField(_("goods value"), default=Decimal(0), **MONEY)
    decision = models.JSONField(_("eligibility decision"), default=dict, blank=True)

    objects = ReliefRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("relief request")
        verbose_name_plural = _("relief requests")
        constraints = [
            # A household is in a campaign at most once.
            models.UniqueConstraint(
                fields=["campaign", "household"],
                condition=Q(campaign__isnull=False),
                name="campaign_household_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme} · {self.application}"

    @property
    def total(self) -> Decimal:
        return self.cash_amount + self.goods_value


# --- Entitlements (应发) -------------------------------------------------------------------------


class EntitlementState(models.TextChoices):
    TO_PAY = "to_pay", _("To pay")
    ON_SHEET = "on_sheet", _("On a bank sheet")
    PARTLY_PAID = "partly_paid", _("Partly paid")
    PAID = "paid", _("Paid")


class Entitlement(models.Model):
    """What an approved relief application is owed, committed against a budget. Paid by one or
    more ledger lines (cash or bank card, then goods) up to its amount."""

    application = models.OneToOneField(
        "cases.Application", on_delete=models.PROTECT, related_name="entitlement"
    )
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="entitlements")
    union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    budget = models.ForeignKey(
        Budget, on_delete=models.PROTECT, null=True, blank=True, related_name="entitlements"
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="entitlements"
    )
    cash_amount = models.DecimalField(_("cash amount"), default=Decimal(0), **MONEY)
    goods = models.JSONField(_("goods"), default=list, blank=True)
    goods_value = models.DecimalField(_("goods value"), default=Decimal(0), **MONEY)
    amount = models.DecimalField(_("amount"), **MONEY)  # cash + goods, what the budget commits
    state = models.CharField(
        _("state"), max_length=20, choices=EntitlementState.choices, default=EntitlementState.TO_PAY
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-approved_at", "-id"]
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")
        indexes = [models.Index(fields=["state", "union"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(cash_amount__gte=0) & Q(goods_value__gte=0),
                name="entitlement_amount_positive",
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme} · {self.household}"


# --- Bank cards ----------------------------------------------------------------------------------


class BankAccountQuerySet(models.QuerySet):
    def visible_to(self, user) -> "BankAccountQuerySet":
        scope = union_scope(user, field="household__union_id")
        return self if scope is None else self.filter(scope)


class BankAccount(models.Model):
    """A bank card that relief is paid to, held by a member of the household (实名制). The
    number is encrypted at rest (relief.cards) and shown masked; only its last four digits are
    stored in clear."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="bank_accounts")
    holder = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="bank_accounts", verbose_name=_("holder")
    )
    bank_name = models.CharField(_("bank"), max_length=100)
    card_number_encrypted = models.TextField()
    card_last4 = models.CharField(_("last four digits"), max_length=4)
    active = models.BooleanField(_("in use"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BankAccountQuerySet.as_manager()

    class Meta:
        ordering = ["-active", "-created_at"]
        verbose_name = _("bank card")
        verbose_name_plural = _("bank cards")

    def __str__(self) -> str:
        return f"{self.bank_name} ****{self.card_last4}"

    @property
    def masked(self) -> str:
        return f"**** **** **** {self.card_last4}"


# --- The ledger (台账) ---------------------------------------------------------------------------


class Method(models.TextChoices):
    BANK = "bank", _("Bank card")
    CASH = "cash", _("Cash")
    GOODS = "goods", _("Goods")


class LineKind(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    REVERSAL = "reversal", _("Reversal")
    # Micro-loans (relief.lending): the loan paid out, a repayment received, the interest subsidy.
    LOAN_OUT = "loan_out", _("Loan paid out")
    REPAYMENT = "repayment", _("Loan repayment")
    SUBSIDY = "subsidy", _("Interest subsidy")


LOAN_LINE_KINDS = [LineKind.LOAN_OUT, LineKind.REPAYMENT, LineKind.SUBSIDY]


class ClosedMonth(models.Model):
    """月结: a month finance has closed; no ledger line may be dated in it."""

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(
        _("month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "-month"]
        verbose_name = _("closed month")
        verbose_name_plural = _("closed months")
        constraints = [models.UniqueConstraint(fields=["year", "month"], name="month_closed_once")]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


class LedgerMonth(models.Model):
    """The ledger summed by month and by what the ledger page filters on. PostgreSQL keeps it:
    an AFTER INSERT trigger on the ledger adds each line (relief migration 0005). The ledger only
    ever grows, so a sum kept at each insert is exact; relief.selectors.ledger_totals reads whole
    months here and sums only the days of partly covered months from the lines. Never written
    by the application; on SQLite (the demo) it stays empty and totals are summed from the lines.
    """

    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    union = models.ForeignKey(
        Union, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    fund = models.ForeignKey(
        Fund, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    method = models.CharField(max_length=10)
    kind = models.CharField(max_length=20)
    is_loan = models.BooleanField()
    lines = models.PositiveIntegerField()
    amount = models.DecimalField(max_digits=16, decimal_places=2)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger month")
        verbose_name_plural = _("ledger months")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "month", "union", "programme", "fund", "method", "kind", "is_loan"],
                name="ledger_month_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.lines}"


class VoucherCounter(models.Model):
    """The last voucher number used in a year (locked while the next is taken)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class DisbursementQuerySet(ScopedQuerySet):
    def payments(self) -> "DisbursementQuerySet":
        return self.filter(kind=LineKind.PAYMENT)

    def relief(self) -> "DisbursementQuerySet":
        """Relief lines only (payments and their reversals), without the micro-loans' lines."""
        return self.filter(loan__isnull=True)


class Disbursement(models.Model):
    """One line of the ledger. Never updated or deleted (on PostgreSQL the database refuses it):
    a mistake is corrected by a reversal line pointing at the original. `sequence` numbers the
    lines of one entitlement, so two payments of the same entitlement at once cannot both be
    written (the unique constraint), whatever the Python checks saw."""

    voucher_number = models.CharField(_("voucher number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=LineKind.choices)
    paid_on = models.DateField(_("date"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("payer"),
    )
    entitlement = models.ForeignKey(
        Entitlement, on_delete=models.PROTECT, null=True, blank=True, related_name="lines"
    )
    sequence = models.PositiveIntegerField(_("line of the entitlement"), null=True, blank=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversal"
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="disbursements",
        verbose_name=_("household"),
    )
    union = models.ForeignKey(
        Union, on_delete=models.PROTECT, related_name="+", verbose_name=_("union")
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="+", verbose_name=_("programme")
    )
    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="+", verbose_name=_("fund source")
    )
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, null=True, related_name="+")
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    bank_account = models.ForeignKey(
        BankAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    account_holder = models.CharField(_("account holder"), max_length=50, blank=True)
    card_masked = models.CharField(_("card"), max_length=30, blank=True)
    signed_by = models.CharField(_("signed for by"), max_length=50, blank=True)
    goods = models.JSONField(_("goods"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    # A micro-loan's line (loan out, repayment, subsidy, or a reversal of one): relief figures
    # leave these out (DisbursementQuerySet.relief).
    loan = models.ForeignKey(
        "Loan", on_delete=models.PROTECT, null=True, blank=True, related_name="lines"
    )

    objects = DisbursementQuerySet.as_manager()

    class Meta:
        ordering = ["-paid_on", "-id"]
        verbose_name = _("ledger line")
        verbose_name_plural = _("ledger lines")
        # The ledger page lists newest first (paid_on, id) and filters on these columns; a
        # grassroots user's scope is the union, a reversal is one line in fifty.
        indexes = [
            models.Index(fields=["paid_on", "id"]),
            models.Index(fields=["union", "paid_on", "id"]),
            models.Index(fields=["programme", "paid_on"]),
            models.Index(fields=["fund", "paid_on"]),
            models.Index(fields=["household", "paid_on"]),
            models.Index(fields=["kind", "paid_on", "id"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["entitlement", "sequence"], name="entitlement_line_once"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=LineKind.PAYMENT, amount__gt=0, reverses__isnull=True, loan__isnull=True)
                )
                | Q(kind=LineKind.REVERSAL, amount__lt=0, reverses__isnull=False)
                | Q(
                    kind__in=LOAN_LINE_KINDS,
                    amount__gt=0,
                    reverses__isnull=True,
                    loan__isnull=False,
                ),
                name="line_sign_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voucher_number} {self.amount}"


# --- Bank sheets and the bank's return file ------------------------------------------------------


class BankSheet(models.Model):
    """银行卡发放表: entitlements sent to the bank for payment by card, awaiting its return file."""

    number = models.CharField(_("sheet number"), max_length=30, unique=True)
    union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="+")
    paid_on = models.DateField(_("payment date"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    returned_at = models.DateTimeField(_("return file imported at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("bank payment sheet")
        verbose_name_plural = _("bank payment sheets")

    def __str__(self) -> str:
        return self.number


class BankResult(models.TextChoices):
    PENDING = "pending", _("Awaiting the bank")
    PAID = "paid", _("Paid")
    PARTLY_PAID = "partly_paid", _("Partly paid")
    FAILED = "failed", _("Failed")


class BankSheetLine(models.Model):
    sheet = models.ForeignKey(BankSheet, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveIntegerField(_("No."))
    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="+")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount"), **MONEY)
    result = models.CharField(
        _("result"), max_length=20, choices=BankResult.choices, default=BankResult.PENDING
    )
    paid_amount = models.DecimalField(_("amount paid"), null=True, blank=True, **MONEY)
    bank_message = models.CharField(_("bank's message"), max_length=200, blank=True)
    disbursement = models.OneToOneField(
        Disbursement, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = scoped_by("entitlement__union_id").as_manager()

    class Meta:
        ordering = ["sheet", "position"]
        verbose_name = _("bank sheet line")
        verbose_name_plural = _("bank sheet lines")
        constraints = [
            models.UniqueConstraint(fields=["sheet", "position"], name="bank_sheet_position"),
            # An entitlement waits on one bank sheet at a time.
            models.UniqueConstraint(
                fields=["entitlement"],
                condition=Q(result="pending"),
                name="one_pending_sheet_line",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sheet} {self.position}"


# --- Home delivery (入户送温暖) ----------------------------------------------------------------


class DeliveryState(models.TextChoices):
    DELIVERED = "delivered", _("Delivered in full")
    PARTIAL = "partial", _("Partly delivered")


class Delivery(models.Model):
    """A visit that delivered an entitlement at home, signed for; partial delivery is a state."""

    entitlement = models.ForeignKey(
        Entitlement, on_delete=models.PROTECT, related_name="deliveries"
    )
    delivered_on = models.DateField(_("delivered on"))
    delivered_by = models.CharField(_("delivered by"), max_length=100)
    cash_given = models.DecimalField(_("cash given"), default=Decimal(0), **MONEY)
    goods_given = models.JSONField(_("goods given"), default=list, blank=True)
    # The value of goods_given at the entitlement's unit values, so the campaign page sums it.
    goods_value_given = models.DecimalField(_("value of goods given"), default=Decimal(0), **MONEY)
    signed_by = models.CharField(_("signed for by"), max_length=50)
    receipt_photo = models.ImageField(
        _("photo of the signed receipt"),
        storage=_private_storage,
        upload_to="receipts/%Y/%m/",
        blank=True,
    )
    state = models.CharField(_("state"), max_length=20, choices=DeliveryState.choices)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_by("entitlement__union_id").as_manager()

    class Meta:
        ordering = ["-delivered_on", "-id"]
        verbose_name = _("home delivery")
        verbose_name_plural = _("home deliveries")

    def __str__(self) -> str:
        return f"{self.entitlement} {self.delivered_on:%Y-%m-%d}"


# --- Payment verification (回访核实) --------------------------------------------------------------


class VerificationSample(models.Model):
    """A random sample of paid households to call or visit, drawn reproducibly (the seed)."""

    title = models.CharField(_("title"), max_length=200)
    union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="+")
    population = models.JSONField(_("paid lines sampled from"), default=dict)
    population_size = models.PositiveIntegerField(_("households paid (N)"))
    confidence = models.DecimalField(_("confidence level"), max_digits=4, decimal_places=3)
    margin = models.DecimalField(_("margin of error"), max_digits=4, decimal_places=3)
    sample_size = models.PositiveIntegerField(_("sample size (n)"))
    seed = models.BigIntegerField(_("random seed"))
    stratified = models.BooleanField(_("stratified by union"), default=False)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    drawn_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-drawn_at", "-id"]
        verbose_name = _("verification sample")
        verbose_name_plural = _("verification samples")

    def __str__(self) -> str:
        return self.title


class Answer(models.TextChoices):
    RECEIVED = "received", _("Received")
    NOT_RECEIVED = "not_received", _("Not received")
    PROBLEM = "problem", _("Received, with a problem")
    UNREACHABLE = "unreachable", _("Could not be reached")


class VerificationCheck(models.Model):
    """One household of a sample; the answer is recorded once with who asked and when."""

    sample = models.ForeignKey(VerificationSample, on_delete=models.PROTECT, related_name="checks")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    union = models.ForeignKey(Union, on_delete=models.PROTECT, related_name="+")
    disbursement = models.ForeignKey(Disbursement, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(_("answer"), max_length=20, choices=Answer.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    asked_at = models.DateTimeField(null=True, blank=True)
    # A "not received" opens a measure of the household's help plan to follow it up.
    follow_up = models.ForeignKey(
        "households.Measure", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["sample", "id"]
        verbose_name = _("verification check")
        verbose_name_plural = _("verification checks")
        constraints = [
            models.UniqueConstraint(fields=["sample", "household"], name="sample_household_once")
        ]

    def __str__(self) -> str:
        return f"{self.sample} {self.household}"


# --- Micro-loans ---------------------------------------------------------------------------------
# 小额借款: a loan programme (the lender, the limits, the schedule method, the rate and the cap
# the borrower pays at most, the guarantor rules, the funds), loans applied for through the
# notice (cases.Application of kind loan), their guarantors, the schedule stored on disbursement,
# repayments (each a ledger line, allocated to instalments interest first), the interest subsidy
# (贴息) and write-off (核销). The services are in relief.lending, the schedule in relief.loans.
#
# What is paid on an instalment is never kept as a running total: it is the sum of the
# allocations of the repayments not reversed (RepaymentAllocation), summed in the database.
# Only `Instalment.interest_waived` changes after disbursement: an early full repayment waives
# the interest not yet accrued (relief.lending.loan_repay, under the loan's row lock), and its
# reversal restores it.


class LenderKind(models.TextChoices):
    REVOLVING_FUND = "revolving_fund", _("Union revolving fund (扶贫帮困周转金)")
    PARTNER = "partner", _("Partner lender")


class LoanMethod(models.TextChoices):
    EQUAL_PRINCIPAL = "equal_principal", _("Equal principal (等额本金)")
    EQUAL_INSTALMENT = "equal_instalment", _("Equal instalments (等额本息)")
    BULLET = "bullet", _("Interest monthly, principal at term (按月付息、到期还本)")


class GuarantorKind(models.TextChoices):
    WORKER = "worker", _("Worker")
    PUBLIC_STAFF = "public_staff", _("Staff of a publicly funded unit")
    EXTERNAL = "external", _("External person")
    COMPANY = "company", _("Company")


RATE = {"max_digits": 6, "decimal_places": 5}


class LoanProgramme(models.Model):
    """A micro-loan programme as data: who lends, how much, for how long, how it is repaid, what
    the borrower pays at most (the union refunds interest above it: 贴息), who may guarantee, and
    the funds the money and the subsidy come from."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    lender_kind = models.CharField(_("lender"), max_length=20, choices=LenderKind.choices)
    lender_name = models.CharField(
        _("partner lender's name"),
        max_length=100,
        blank=True,
        help_text=_("For a partner lender, e.g. the county's rural credit union (农村信用联社)."),
    )
    ledger_programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("programme in the ledger"),
        help_text=_("The relief programme the loan's ledger lines are booked under (小额借款)."),
    )
    amount_min = models.DecimalField(
        _("smallest loan"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY
    )
    amount_max = models.DecimalField(
        _("largest loan"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY
    )
    amount_max_employing = models.DecimalField(
        _("largest loan for a business employing laid-off workers"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        **MONEY,
    )
    employing_at_least = models.PositiveSmallIntegerField(
        _("laid-off workers employed for the larger loan"), default=10
    )
    terms = models.JSONField(
        _("terms offered (months)"), default=list, help_text=_("For example [12, 24].")
    )
    method = models.CharField(_("repayment method"), max_length=20, choices=LoanMethod.choices)
    annual_rate = models.DecimalField(
        _("annual interest rate"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal("0.99999"))],
        help_text=_("A fraction: 0.0435 for 4.35 %."),
        **RATE,
    )
    borrower_rate_cap = models.DecimalField(
        _("rate the borrower pays at most"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal("0.99999"))],
        help_text=_("The union refunds the interest above it after full repayment (贴息)."),
        **RATE,
    )
    guarantors_min = models.PositiveSmallIntegerField(_("guarantors at least"), default=1)
    guarantors_max = models.PositiveSmallIntegerField(_("guarantors at most"), default=3)
    guarantor_kinds = models.JSONField(
        _("kinds of guarantor accepted"),
        default=list,
        help_text=_("Among worker, public_staff, external, company."),
    )
    guarantor_min_share = models.DecimalField(
        _("share of the principal each guarantor guarantees at least (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("50.00"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    guarantor_max_open_loans = models.PositiveSmallIntegerField(
        _("open loans one guarantor may guarantee"), default=2
    )
    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="+", verbose_name=_("fund lent from")
    )
    subsidy_fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="+", verbose_name=_("fund of the subsidy")
    )
    write_off_after_days = models.PositiveSmallIntegerField(
        _("days past due before a write-off may be proposed"), default=360
    )
    active = models.BooleanField(_("open for applications"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("loan programme")
        verbose_name_plural = _("loan programmes")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_max__gte=F("amount_min")), name="loan_programme_range"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """What the admin form and the spreadsheet import check beyond each field: the terms
        and kinds of guarantor are lists the services can read, and the limits agree."""
        errors = {}
        terms = self.terms
        if (
            not isinstance(terms, list)
            or not terms
            or not all(
                isinstance(t, int) and not isinstance(t, bool) and 1 <= t <= 120 for t in terms
            )
        ):
            errors["terms"] = _("List the terms offered in months, from 1 to 120, e.g. 12、24.")
        kinds = self.guarantor_kinds
        if not isinstance(kinds, list) or not set(kinds) <= set(GuarantorKind.values):
            errors["guarantor_kinds"] = _("Choose the kinds of guarantor among those listed.")
        if (
            self.amount_min is not None
            and self.amount_max is not None
            and self.amount_max < self.amount_min
        ):
            errors["amount_max"] = _("The largest loan cannot be below the smallest loan.")
        if self.guarantors_min > self.guarantors_max:
            errors["guarantors_max"] = _("At most cannot be fewer than at least.")
        if (
            self.amount_max_employing is not None
            and self.amount_max is not None
            and self.amount_max_employing < self.amount_max
        ):
            errors["amount_max_employing"] = _("The larger loan cannot be below the largest loan.")
        if (
            self.annual_rate is not None
            and self.borrower_rate_cap is not None
            and self.borrower_rate_cap > self.annual_rate
        ):
            errors["borrower_rate_cap"] = _(
                "The borrower's cap cannot be above the annual rate (no subsidy would be due)."
            )
        if self.lender_kind == LenderKind.PARTNER and not (self.lender_name or "").strip():
            errors["lender_name"] = _("Name the partner lender.")
        if errors:
            raise ValidationError(errors)

    @property
    def lender(self) -> str:
        if self.lender_kind == LenderKind.PARTNER and self.lender_name:
            return self.lender_name
        return str(LenderKind(self.lender_kind).label)


class LoanState(models.TextChoices):
    APPLIED = "applied", _("In review (applied for)")
    APPROVED = "approved", _("Approved, to disburse")
    DISBURSED = "disbursed", _("Disbursed, being repaid")
    REPAID = "repaid", _("Repaid")
    WRITTEN_OFF = "written_off", _("Written off")


OPEN_LOAN_STATES = [LoanState.APPLIED, LoanState.APPROVED, LoanState.DISBURSED]


class Loan(models.Model):
    """One loan, from its application (through the notice) to full repayment or write-off. The
    terms are copied from the programme when filed, so a programme edited later changes no loan.
    `days_past_due` is kept by the daily task (relief.lending.loans_mark_overdue) and after each
    repayment."""

    application = models.OneToOneField(
        "cases.Application", on_delete=models.PROTECT, related_name="loan"
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="loans", verbose_name=_("household")
    )
    union = models.ForeignKey(
        Union, on_delete=models.PROTECT, related_name="+", verbose_name=_("union")
    )
    programme = models.ForeignKey(
        LoanProgramme, on_delete=models.PROTECT, related_name="loans", verbose_name=_("programme")
    )
    principal = models.DecimalField(
        _("principal"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY
    )
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    annual_rate = models.DecimalField(_("annual interest rate"), **RATE)
    borrower_rate_cap = models.DecimalField(_("rate the borrower pays at most"), **RATE)
    method = models.CharField(_("repayment method"), max_length=20, choices=LoanMethod.choices)
    purpose = models.CharField(_("purpose"), max_length=200)
    business_plan = models.TextField(_("business plan"))
    laid_off_employed = models.PositiveSmallIntegerField(
        _("laid-off workers the business employs"), default=0
    )
    state = models.CharField(
        _("state"), max_length=20, choices=LoanState.choices, default=LoanState.APPLIED
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    disbursed_on = models.DateField(_("disbursed on"), null=True, blank=True)
    first_due = models.DateField(_("first instalment due"), null=True, blank=True)
    disbursed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    repaid_on = models.DateField(_("repaid on"), null=True, blank=True)
    days_past_due = models.PositiveIntegerField(_("days past due"), default=0)
    overdue_since = models.DateField(_("overdue since"), null=True, blank=True)
    overdue_checked_on = models.DateField(null=True, blank=True)
    disbursement_line = models.OneToOneField(
        Disbursement, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subsidy_line = models.OneToOneField(
        Disbursement, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subsidy_calculation = models.JSONField(_("subsidy calculation"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("micro-loan")
        verbose_name_plural = _("micro-loans")
        indexes = [models.Index(fields=["union", "state"]), models.Index(fields=["state"])]
        constraints = [
            models.CheckConstraint(condition=Q(principal__gt=0), name="loan_principal_positive")
        ]

    def __str__(self) -> str:
        return f"{self.programme} · {self.household} · {self.principal}"


class Guarantor(models.Model):
    """担保人: a person or company guaranteeing a share of the principal. `obligation` is what the
    guarantor owes, recorded when the loan is written off."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="guarantors")
    kind = models.CharField(_("kind"), max_length=20, choices=GuarantorKind.choices)
    name = models.CharField(_("name"), max_length=100)
    id_number = models.CharField(
        _("resident ID or unified credit code"), max_length=18, db_index=True
    )
    work_unit = models.CharField(_("work unit"), max_length=100, blank=True)
    share = models.DecimalField(
        _("share guaranteed (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100))],
    )
    obligation = models.DecimalField(_("obligation at write-off"), null=True, blank=True, **MONEY)

    objects = scoped_by("loan__union_id").as_manager()

    class Meta:
        ordering = ["loan", "id"]
        verbose_name = _("guarantor")
        verbose_name_plural = _("guarantors")
        constraints = [
            models.UniqueConstraint(fields=["loan", "id_number"], name="guarantor_once_per_loan")
        ]

    def __str__(self) -> str:
        return self.name


class Instalment(models.Model):
    """One instalment of the schedule, stored when the loan is disbursed (relief.loans.schedule).
    Paid amounts are the allocations of the repayments not reversed."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="instalments")
    number = models.PositiveSmallIntegerField(_("No."))
    due = models.DateField(_("due"))
    principal = models.DecimalField(_("principal"), **MONEY)
    interest = models.DecimalField(_("interest"), **MONEY)
    interest_waived = models.DecimalField(
        _("interest waived by early repayment"), default=Decimal("0.00"), **MONEY
    )

    objects = scoped_by("loan__union_id").as_manager()

    class Meta:
        ordering = ["loan", "number"]
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="instalment_once"),
            models.CheckConstraint(
                condition=Q(principal__gte=0, interest__gte=0, interest_waived__gte=0)
                & Q(interest_waived__lte=F("interest")),
                name="instalment_amounts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} #{self.number}"


class Repayment(models.Model):
    """还款: money received on a loan, one ledger line. A reversal is a Repayment of the opposite
    amount pointing at the one it reverses (with its own reversal line); nothing is edited."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="repayments")
    paid_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    early_settlement = models.BooleanField(_("early full repayment"), default=False)
    line = models.OneToOneField(
        Disbursement, on_delete=models.PROTECT, related_name="repayment", verbose_name=_("voucher")
    )
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversal"
    )
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_by("loan__union_id").as_manager()

    class Meta:
        ordering = ["loan", "paid_on", "id"]
        verbose_name = _("repayment")
        verbose_name_plural = _("repayments")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0, reverses__isnull=True)
                | Q(amount__lt=0, reverses__isnull=False),
                name="repayment_sign",
            )
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.paid_on} {self.amount}"


class RepaymentAllocation(models.Model):
    """How a repayment was applied: to which instalment, interest and principal."""

    repayment = models.ForeignKey(Repayment, on_delete=models.PROTECT, related_name="allocations")
    instalment = models.ForeignKey(Instalment, on_delete=models.PROTECT, related_name="allocations")
    interest = models.DecimalField(_("interest"), **MONEY)
    principal = models.DecimalField(_("principal"), **MONEY)

    objects = scoped_by("repayment__loan__union_id").as_manager()

    class Meta:
        ordering = ["repayment", "instalment__number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(interest__gte=0, principal__gte=0), name="allocation_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.repayment_id} → {self.instalment_id}"


class WriteOffState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class WriteOff(models.Model):
    """核销: proposed with a reason once the loan is past the programme's threshold, then approved
    (the guarantors' obligations recorded) or rejected with a reason, by someone other than the
    proposer. A loan has at most one proposal not rejected; after a rejection it may be proposed
    again (relief.lending.write_off)."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="write_offs")
    state = models.CharField(
        _("state"), max_length=10, choices=WriteOffState.choices, default=WriteOffState.PROPOSED
    )
    reason = models.TextField(_("reason"))
    days_past_due = models.PositiveIntegerField(_("days past due"))
    principal_outstanding = models.DecimalField(_("principal outstanding"), **MONEY)
    interest_outstanding = models.DecimalField(_("interest outstanding"), **MONEY)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    guarantor_obligations = models.JSONField(_("guarantors' obligations"), default=list)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)

    objects = scoped_by("loan__union_id").as_manager()

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("write-off")
        verbose_name_plural = _("write-offs")
        constraints = [
            models.CheckConstraint(
                condition=~Q(approved_by=F("proposed_by")), name="write_off_four_eyes"
            ),
            models.CheckConstraint(
                condition=~Q(rejected_by=F("proposed_by")), name="write_off_reject_four_eyes"
            ),
            models.CheckConstraint(
                condition=Q(state="proposed", approved_by__isnull=True, rejected_by__isnull=True)
                | Q(state="approved", approved_by__isnull=False, rejected_by__isnull=True)
                | Q(state="rejected", approved_by__isnull=True, rejected_by__isnull=False),
                name="write_off_state_matches",
            ),
            models.UniqueConstraint(
                fields=["loan"],
                condition=~Q(state="rejected"),
                name="write_off_one_standing_per_loan",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan}"
