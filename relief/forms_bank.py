"""Forms of bank cards, bank sheets and payment verification. They clean input; the services
decide."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relief.cards import CardError, card_clean
from relief.models import Answer, Programme

CONFIDENCE_CHOICES = [("0.90", "90%"), ("0.95", "95%"), ("0.99", "99%")]


class BankAccountForm(forms.Form):
    holder = forms.ModelChoiceField(queryset=None, label=_("Card holder (a family member)"))
    bank_name = forms.CharField(label=_("Bank (开户行)"), max_length=100)
    card_number = forms.CharField(
        label=_("Card number"),
        max_length=40,
        help_text=_("16 to 19 digits; spaces are ignored. Only the last four are shown later."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holder"].queryset = household.members.all()

    def clean_card_number(self) -> str:
        try:
            return card_clean(self.cleaned_data["card_number"])
        except CardError as error:
            raise forms.ValidationError(error.message) from None


class BankSheetForm(forms.Form):
    paid_on = forms.DateField(
        label=_("Payment date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    entitlements = forms.ModelMultipleChoiceField(
        queryset=None, label=_("Entitlements"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, queue, **kwargs):
        kwargs.setdefault("initial", {"paid_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["entitlements"].queryset = queue


class ReturnFileForm(forms.Form):
    file = forms.FileField(
        label=_("The bank's return file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )


class PopulationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    campaign = forms.ModelChoiceField(queryset=None, required=False, label=_("Campaign"))
    programme = forms.ModelChoiceField(
        queryset=Programme.objects.all(), required=False, label=_("Programme")
    )
    date_from = forms.DateField(
        label=_("Paid from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("Paid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    confidence = forms.TypedChoiceField(
        label=_("Confidence level"),
        choices=CONFIDENCE_CHOICES,
        coerce=Decimal,
        initial="0.95",
    )
    margin = forms.DecimalField(
        label=_("Margin of error"),
        min_value=Decimal("0.01"),
        max_value=Decimal("0.50"),
        decimal_places=3,
        initial=Decimal("0.05"),
        help_text=_("As a fraction: 0.05 is ±5 percentage points."),
    )
    stratified = forms.BooleanField(label=_("Stratify by union"), required=False)

    def __init__(self, *args, campaigns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(label=_("Answer"), choices=Answer.choices)
    note = forms.CharField(label=_("What the household said"), required=False, max_length=1000)
    follow_up_on = forms.DateField(
        label=_("Follow up by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("For “not received”: the target date of the follow-up (default: in 14 days)."),
    )


def campaigns_for(user):
    from relief.campaigns import campaigns_visible_to

    return campaigns_visible_to(user).select_related("programme")
