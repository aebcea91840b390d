"""Forms of the finance pages: pay an entitlement, reverse a line, close a month, choose a
year. They clean input (full-width digits, spaces) and never save anything themselves."""

import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relief.models import BankAccount, Method

MONTHS = [(m, f"{m:02d}") for m in range(1, 13)]


def _clean_amount(text: str) -> Decimal:
    text = unicodedata.normalize("NFKC", text or "").replace(",", "").replace(" ", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise forms.ValidationError(_("Enter the amount in yuan, e.g. 1200.00.")) from None
    if not amount.is_finite():
        raise forms.ValidationError(_("Enter the amount in yuan, e.g. 1200.00."))
    return amount


class PayForm(forms.Form):
    method = forms.ChoiceField(label=_("Method"), choices=Method.choices, widget=forms.RadioSelect)
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=20)
    paid_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    bank_account = forms.ModelChoiceField(
        label=_("Bank card"),
        queryset=BankAccount.objects.none(),
        required=False,
        empty_label=_("Choose a card"),
        help_text=_("Only the household's cards in use, held by a member, are listed."),
    )
    signed_by = forms.CharField(
        label=_("Signed for by"),
        max_length=50,
        required=False,
        help_text=_("Cash and goods: who signed the receipt."),
    )
    goods = forms.CharField(
        label=_("Goods given"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Goods: one item per line, e.g. 大米 2袋."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, entitlement, left: Decimal, **kwargs):
        kwargs.setdefault("initial", {"amount": left, "paid_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["bank_account"].queryset = BankAccount.objects.filter(
            household=entitlement.household, holder__household=entitlement.household, active=True
        ).select_related("holder")
        self.fields["bank_account"].label_from_instance = lambda card: (
            f"{card.holder.name} · {card.bank_name} {card.masked}"
        )

    def clean_amount(self) -> Decimal:
        return _clean_amount(self.cleaned_data["amount"])

    def clean_goods(self) -> list[dict]:
        lines = [line.strip() for line in self.cleaned_data["goods"].splitlines()]
        return [{"item": line} for line in lines if line]


class ReverseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the line is reversed"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    paid_on = forms.DateField(
        label=_("Date of the reversal"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("In an open month."),
    )


class MonthCloseForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    month = forms.TypedChoiceField(label=_("Month"), choices=MONTHS, coerce=int)


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)

    def chosen_year(self) -> int:
        if self.is_valid() and self.cleaned_data["year"]:
            return self.cleaned_data["year"]
        return timezone.localdate().year


def last_month(today: date | None = None) -> tuple[int, int]:
    today = today or timezone.localdate()
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
