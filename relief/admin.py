"""The county's administrators keep the programmes as data here: programmes with their tiers,
goods items, fund sources, their yearly amounts, the budgets of programmes and the micro-loan
programmes (lender, limits, terms, rates, guarantor rules, funds). Tiers, goods items,
programmes, funds and loan programmes are also exported and imported as xlsx
(django-import-export), so a county loads next year's tiers from the spreadsheet its federation
sends: columns have Chinese headers, choices are written by their Chinese names, a row is
validated like a form (full_clean) and a file with any bad row changes nothing.

Applications, entitlements, loans and the ledger are not here: they change only through the
product's pages and services, which record every step."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import SelectableFieldsExportForm

from helpcenter.admin_site import ScopedModelAdmin
from households.choices import Category, Degree, SchoolStage
from relief.models import (
    Budget,
    Fund,
    FundKind,
    FundYear,
    GoodsItem,
    GuarantorKind,
    LenderKind,
    LoanMethod,
    LoanProgramme,
    MedicalCase,
    Programme,
    ProgrammeKind,
    Tier,
    TierGoods,
)

# --- Spreadsheet columns ------------------------------------------------------------------------


class ChoiceWidget(widgets.Widget):
    """A choice written by its label (低保户) in the sheet, stored as its code; a code is also
    accepted. Anything else is refused with the choices to use."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = [(value, label) for value, label in choices if value]

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            return ""
        for code, label in self.choices:
            if text in (code, str(label)):
                return code
        allowed = "、".join(str(label) for _code, label in self.choices)
        raise ValueError(
            _("“%(value)s” is not one of: %(allowed)s") % {"value": text, "allowed": allowed}
        )

    def render(self, value, obj=None, **kwargs):
        return str(dict(self.choices).get(value, value or ""))


class YesNoWidget(widgets.BooleanWidget):
    """是 / 否 in the sheet (1, 0, TRUE and FALSE are also read)."""

    TRUE_VALUES = [*widgets.BooleanWidget.TRUE_VALUES, "是"]
    FALSE_VALUES = [*widgets.BooleanWidget.FALSE_VALUES, "否"]

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


def _field(attribute: str, header: str, widget=None) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=header, widget=widget)


MONEY = widgets.DecimalWidget()
DAY = widgets.DateWidget(format="%Y-%m-%d")


class SafeCellsResource(resources.ModelResource):
    """Exported text that a spreadsheet would run as a formula (=, +, -, @ first) gets a leading
    apostrophe. (django-import-export's own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT also turns an
    empty date into the text "None", which the same sheet then cannot import.)"""

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
            return "'" + value
        return value


class TierResource(SafeCellsResource):
    id = _field("id", "编号")
    programme = _field("programme", "帮扶项目", widgets.ForeignKeyWidget(Programme, "name"))
    name = _field("name", "档位名称")
    category = _field("category", "困难类别", ChoiceWidget(Category.choices))
    degree = _field("degree", "困难程度", ChoiceWidget(Degree.choices))
    school_stage = _field("school_stage", "学段", ChoiceWidget(SchoolStage.choices))
    medical_case = _field("medical_case", "医疗情形", ChoiceWidget(MedicalCase.choices))
    for_registered = _field("for_registered", "适用于在册困难户", YesNoWidget())
    cash_amount = _field("cash_amount", "现金金额（元）", MONEY)
    is_ceiling = _field("is_ceiling", "金额为上限", YesNoWidget())
    valid_from = _field("valid_from", "生效日期", DAY)
    valid_to = _field("valid_to", "失效日期", DAY)
    position = _field("position", "排序")

    class Meta:
        model = Tier
        fields = (
            "id",
            "programme",
            "name",
            "category",
            "degree",
            "school_stage",
            "medical_case",
            "for_registered",
            "cash_amount",
            "is_ceiling",
            "valid_from",
            "valid_to",
            "position",
        )
        clean_model_instances = True
        use_transactions = True
        skip_unchanged = True
        report_skipped = False


class ProgrammeResource(SafeCellsResource):
    id = _field("id", "编号")
    code = _field("code", "代码")
    name = _field("name", "名称")
    kind = _field("kind", "类型", ChoiceWidget(ProgrammeKind.choices))
    registered_only = _field("registered_only", "仅限在册困难户", YesNoWidget())
    yearly_cap_per_person = _field("yearly_cap_per_person", "每人每年上限（元）", MONEY)
    once_per_student_year = _field("once_per_student_year", "每生每学年一次", YesNoWidget())
    county_approval_above = _field("county_approval_above", "超过此金额需县总工会审批（元）", MONEY)
    active = _field("active", "接受申请", YesNoWidget())
    position = _field("position", "排序")

    class Meta:
        model = Programme
        fields = (
            "id",
            "code",
            "name",
            "kind",
            "registered_only",
            "yearly_cap_per_person",
            "once_per_student_year",
            "county_approval_above",
            "active",
            "position",
        )
        clean_model_instances = True
        use_transactions = True
        skip_unchanged = True


class GoodsItemResource(SafeCellsResource):
    id = _field("id", "编号")
    name = _field("name", "物品名称")
    unit = _field("unit", "单位")
    unit_value = _field("unit_value", "单价（元）", MONEY)
    valid_from = _field("valid_from", "生效日期", DAY)
    valid_to = _field("valid_to", "失效日期", DAY)

    class Meta:
        model = GoodsItem
        fields = ("id", "name", "unit", "unit_value", "valid_from", "valid_to")
        clean_model_instances = True
        use_transactions = True
        skip_unchanged = True


class FundResource(SafeCellsResource):
    id = _field("id", "编号")
    code = _field("code", "代码")
    name = _field("name", "资金来源")
    kind = _field("kind", "类型", ChoiceWidget(FundKind.choices))
    active = _field("active", "在用", YesNoWidget())

    class Meta:
        model = Fund
        fields = ("id", "code", "name", "kind", "active")
        clean_model_instances = True
        use_transactions = True
        skip_unchanged = True


class FundYearResource(SafeCellsResource):
    id = _field("id", "编号")
    fund = _field("fund", "资金来源", widgets.ForeignKeyWidget(Fund, "name"))
    year = _field("year", "年度")
    amount = _field("amount", "年度金额（元）", MONEY)
    note = _field("note", "依据文件")

    class Meta:
        model = FundYear
        fields = ("id", "fund", "year", "amount", "note")
        clean_model_instances = True
        use_transactions = True
        skip_unchanged = True


def _split_list(text: str) -> list[str]:
    for separator in ("，", ",", "；", ";", " "):
        text = text.replace(separator, "、")
    return [part.strip() for part in text.split("、") if part.strip()]


class TermsWidget(widgets.Widget):
    """The terms offered as 12、24 in the sheet; stored as a list of months."""

    def clean(self, value, row=None, **kwargs):
        try:
            return [int(part) for part in _split_list(str(value or ""))]
        except ValueError:
            raise ValueError(_("Write the terms in months separated by 、, e.g. 12、24.")) from None

    def render(self, value, obj=None, **kwargs):
        return "、".join(str(term) for term in value or [])


class ChoiceListWidget(ChoiceWidget):
    """Several choices in one cell, by label, separated by 、."""

    def clean(self, value, row=None, **kwargs):
        return [super(ChoiceListWidget, self).clean(part) for part in _split_list(str(value or ""))]

    def render(self, value, obj=None, **kwargs):
        return "、".join(super(ChoiceListWidget, self).render(code) for code in value or [])


class LoanProgrammeResource(SafeCellsResource):
    id = _field("id", "编号")
    name = _field("name", "名称")
    lender_kind = _field("lender_kind", "出借方", ChoiceWidget(LenderKind.choices))
    lender_name = _field("lender_name", "合作金融机构名称")
    ledger_programme = _field(
        "ledger_programme", "台账帮扶项目", widgets.ForeignKeyWidget(Programme, "name")
    )
    amount_min = _field("amount_min", "最低借款额（元）", MONEY)
    amount_max = _field("amount_max", "最高借款额（元）", MONEY)
    amount_max_employing = _field("amount_max_employing", "吸纳下岗职工时最高借款额（元）", MONEY)
    employing_at_least = _field("employing_at_least", "吸纳下岗职工人数下限")
    terms = _field("terms", "借款期限（月）", TermsWidget())
    method = _field("method", "还款方式", ChoiceWidget(LoanMethod.choices))
    annual_rate = _field("annual_rate", "年利率", widgets.DecimalWidget())
    borrower_rate_cap = _field("borrower_rate_cap", "借款人承担利率上限", widgets.DecimalWidget())
    guarantors_min = _field("guarantors_min", "担保人至少")
    guarantors_max = _field("guarantors_max", "担保人至多")
    guarantor_kinds = _field(
        "guarantor_kinds", "担保人类型", ChoiceListWidget(GuarantorKind.choices)
    )
    guarantor_min_share = _field(
        "guarantor_min_share", "每人担保比例下限（%）", widgets.DecimalWidget()
    )
    guarantor_max_open_loans = _field("guarantor_max_open_loans", "每人可担保未结借款数")
    fund = _field("fund", "借款资金来源", widgets.ForeignKeyWidget(Fund, "name"))
    subsidy_fund = _field("subsidy_fund", "贴息资金来源", widgets.ForeignKeyWidget(Fund, "name"))
    write_off_after_days = _field("write_off_after_days", "逾期多少天后可申请核销")
    active = _field("active", "接受申请", YesNoWidget())

    class Meta:
        model = LoanProgramme
        fields = (
            "id",
            "name",
            "lender_kind",
            "lender_name",
            "ledger_programme",
            "amount_min",
            "amount_max",
            "amount_max_employing",
            "employing_at_least",
            "terms",
            "method",
            "annual_rate",
            "borrower_rate_cap",
            "guarantors_min",
            "guarantors_max",
            "guarantor_kinds",
            "guarantor_min_share",
            "guarantor_max_open_loans",
            "fund",
            "subsidy_fund",
            "write_off_after_days",
            "active",
        )
        clean_model_instances = True
        use_transactions = True
        skip_unchanged = True


# --- Admin pages ---------------------------------------------------------------------------------


class ColumnHeaderExportForm(SelectableFieldsExportForm):
    """The export page's field chooser labelled by the sheet's Chinese column headers
    (django-import-export labels each box "Field Name (column header)")."""

    def _init_selectable_fields(self, resources) -> None:
        super()._init_selectable_fields(resources)
        for resource in resources:
            for name, field in resource.fields.items():
                box = self.fields.get(self.create_boolean_field_name(resource, name))
                if box is not None:
                    box.label = field.column_name


class SpreadsheetAdmin(ImportExportMixin, ScopedModelAdmin):
    """xlsx only; importing needs the right to add and change the rows, exporting to view them
    (django-import-export's own default lets anyone on the admin site do both)."""

    formats = [base_formats.XLSX]
    export_form_class = ColumnHeaderExportForm

    def has_import_permission(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def process_import(self, request, **kwargs):
        # Who first, then how: a GET is 405 only to those who may import.
        if not self.has_import_permission(request):
            raise PermissionDenied
        return super().process_import(request, **kwargs)


class TierGoodsInline(admin.TabularInline):
    model = TierGoods
    extra = 0
    autocomplete_fields = ["item"]


class TierInline(admin.TabularInline):
    model = Tier
    extra = 0
    fields = [
        "name",
        "category",
        "degree",
        "school_stage",
        "medical_case",
        "for_registered",
        "cash_amount",
        "is_ceiling",
        "valid_from",
        "valid_to",
        "position",
    ]
    show_change_link = True


@admin.register(Programme)
class ProgrammeAdmin(SpreadsheetAdmin):
    resource_classes = [ProgrammeResource]
    list_display = [
        "name",
        "code",
        "kind",
        "registered_only",
        "yearly_cap_per_person",
        "once_per_student_year",
        "county_approval_above",
        "active",
        "position",
    ]
    list_filter = ["kind", "active", "registered_only"]
    search_fields = ["name", "code"]
    inlines = [TierInline]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        # Tick boxes: a short list, and no "hold down Control" help in English.
        if db_field.name == "required_documents":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Tier)
class TierAdmin(SpreadsheetAdmin):
    resource_classes = [TierResource]
    list_display = [
        "programme",
        "name",
        "category",
        "degree",
        "school_stage",
        "medical_case",
        "for_registered",
        "cash_amount",
        "is_ceiling",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["programme", "for_registered", "is_ceiling"]
    search_fields = ["name", "programme__name"]
    date_hierarchy = "valid_from"
    list_select_related = ["programme"]
    inlines = [TierGoodsInline]


@admin.register(GoodsItem)
class GoodsItemAdmin(SpreadsheetAdmin):
    resource_classes = [GoodsItemResource]
    list_display = ["name", "unit", "unit_value", "valid_from", "valid_to"]
    search_fields = ["name"]


@admin.register(TierGoods)
class TierGoodsAdmin(ScopedModelAdmin):
    list_display = ["tier", "item", "quantity"]
    list_select_related = ["tier__programme", "item"]
    autocomplete_fields = ["item"]


@admin.register(Fund)
class FundAdmin(SpreadsheetAdmin):
    resource_classes = [FundResource]
    list_display = ["name", "code", "kind", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "code"]


@admin.register(FundYear)
class FundYearAdmin(SpreadsheetAdmin):
    resource_classes = [FundYearResource]
    list_display = ["fund", "year", "amount", "note"]
    list_filter = ["year", "fund"]


@admin.register(Budget)
class BudgetAdmin(ScopedModelAdmin):
    list_display = ["year", "programme", "fund", "allocated", "position"]
    list_filter = ["year", "programme", "fund"]
    list_select_related = ["programme", "fund"]


class LoanProgrammeForm(forms.ModelForm):
    """The terms typed as 12、24 and the kinds of guarantor ticked, instead of raw JSON."""

    terms = forms.CharField(
        label=_("terms offered (months)"),
        max_length=100,
        help_text=_("Months separated by 、, e.g. 12、24."),
    )
    guarantor_kinds = forms.MultipleChoiceField(
        label=_("kinds of guarantor accepted"),
        choices=GuarantorKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked: every kind is accepted."),
    )

    class Meta:
        model = LoanProgramme
        fields = list(LoanProgrammeResource.Meta.fields[1:])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["terms"] = "、".join(str(term) for term in self.instance.terms)

    def clean_terms(self) -> list[int]:
        try:
            return [int(part) for part in _split_list(self.cleaned_data["terms"])]
        except ValueError:
            raise forms.ValidationError(
                _("Write the terms in months separated by 、, e.g. 12、24.")
            ) from None


@admin.register(LoanProgramme)
class LoanProgrammeAdmin(SpreadsheetAdmin):
    resource_classes = [LoanProgrammeResource]
    form = LoanProgrammeForm
    list_display = [
        "name",
        "lender_kind",
        "lender_name",
        "amount_min",
        "amount_max",
        "method",
        "annual_rate",
        "borrower_rate_cap",
        "fund",
        "active",
    ]
    list_filter = ["lender_kind", "method", "active"]
    search_fields = ["name", "lender_name"]
    list_select_related = ["fund"]
    fieldsets = [
        (None, {"fields": ["name", "lender_kind", "lender_name", "ledger_programme", "active"]}),
        (
            _("Amounts and terms"),
            {
                "fields": [
                    "amount_min",
                    "amount_max",
                    "amount_max_employing",
                    "employing_at_least",
                    "terms",
                    "method",
                ]
            },
        ),
        (_("Interest and subsidy"), {"fields": ["annual_rate", "borrower_rate_cap"]}),
        (
            _("Guarantors"),
            {
                "fields": [
                    "guarantors_min",
                    "guarantors_max",
                    "guarantor_kinds",
                    "guarantor_min_share",
                    "guarantor_max_open_loans",
                ]
            },
        ),
        (_("Funds and write-off"), {"fields": ["fund", "subsidy_fund", "write_off_after_days"]}),
    ]
