"""Forms of campaigns and home deliveries: they clean input and save nothing."""

from decimal import Decimal

from django import forms
from django.core.validators import MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpcenter.models import Union, union_scope
from households.choices import Category, Cause, Degree, Status
from households.models import MONEY
from relief.campaigns import goods_lines
from relief.models import Entitlement, Programme


def _blank(choices, label) -> list:
    return [("", label), *choices]


class SelectionForm(forms.Form):
    """Which households a campaign selects."""

    union = forms.ModelChoiceField(
        label=_("Union"),
        queryset=Union.objects.none(),
        required=False,
        empty_label=_("Every union in my scope"),
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=_blank(Category.choices, _("Any category")), required=False
    )
    degree = forms.ChoiceField(
        label=_("Degree"), choices=_blank(Degree.choices, _("Any degree")), required=False
    )
    cause = forms.ChoiceField(
        label=_("Cause of hardship"), choices=_blank(Cause.choices, _("Any cause")), required=False
    )
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices, initial=Status.REGISTERED)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in every application's file, e.g. 春节前入户慰问困难职工."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        unions = Union.objects.visible_to(user).order_by("code")
        self.fields["union"].queryset = unions
        if union_scope(user) is not None:
            # Grassroots staff select in their own union only.
            self.fields["union"].required = True
            self.fields["union"].empty_label = None
            self.fields["union"].initial = user.union_id


class CampaignForm(SelectionForm):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("e.g. 2027年春节送温暖"))
    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.objects.active(), empty_label=None
    )
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)

    field_order = ["name", "programme", "year", "union", "category", "degree", "cause", "status"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"].choices = [(this_year, this_year), (this_year + 1, this_year + 1)]
        self.fields["year"].initial = this_year


class DeliveryForm(forms.Form):
    """One home delivery; a quantity field for each item of goods the entitlement holds."""

    delivered_on = forms.DateField(
        label=_("Delivered on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    delivered_by = forms.CharField(
        label=_("Delivered by"), max_length=100, help_text=_("Who went to the home.")
    )
    cash_given = forms.DecimalField(
        label=_("Cash given (yuan)"),
        min_value=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
        initial=Decimal(0),
        **MONEY,
    )
    signed_by = forms.CharField(
        label=_("Signed for by"), max_length=50, help_text=_("Who signed the receipt (签收).")
    )
    receipt_photo = forms.ImageField(label=_("Photo of the signed receipt"), required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, entitlement: Entitlement, left_cash, left_goods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delivered_on"].initial = timezone.localdate()
        self.fields["cash_given"].initial = left_cash
        self.goods = []
        for index, line in enumerate(goods_lines(entitlement.goods).values()):
            name = f"goods_{index}"
            self.fields[name] = forms.DecimalField(
                label=_("%(item)s given (%(unit)s)") % line,
                min_value=Decimal(0),
                max_digits=8,
                decimal_places=2,
                initial=left_goods.get(line["item"], Decimal(0)),
                required=False,
            )
            self.goods.append((name, line["item"]))
        self.order_fields(
            ["delivered_on", "delivered_by", "cash_given", *[name for name, item in self.goods]]
        )

    def goods_given(self) -> dict:
        return {item: self.cleaned_data.get(name) or Decimal(0) for name, item in self.goods}
