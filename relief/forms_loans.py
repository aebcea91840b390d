"""Forms of the micro-loan pages: the application with its guarantors, disbursement, repayment
and its reversal, the subsidy, a write-off proposal. They clean input (full-width digits,
spaces) and never save anything themselves: relief.lending decides and refuses."""

import unicodedata
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relief.ledger_forms import _clean_amount
from relief.lending import GuarantorData
from relief.models import GuarantorKind, LoanProgramme, Method

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
LOAN_METHODS = [(Method.BANK, Method.BANK.label), (Method.CASH, Method.CASH.label)]


class LoanTermsForm(forms.Form):
    """What a caseworker enters and may change while the application is a draft or returned."""

    principal = forms.CharField(label=_("Amount (yuan)"), max_length=20)
    term_months = forms.IntegerField(
        label=_("Term (months)"),
        min_value=1,
        max_value=120,
        help_text=_("A term the programme offers."),
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=200)
    business_plan = forms.CharField(
        label=_("Business plan"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    laid_off_employed = forms.IntegerField(
        label=_("Laid-off workers the business employs"), min_value=0, max_value=10000, initial=0
    )

    def clean_principal(self) -> Decimal:
        return _clean_amount(self.cleaned_data["principal"])


class LoanApplicationForm(LoanTermsForm):
    programme = forms.ModelChoiceField(
        label=_("Loan programme"), queryset=LoanProgramme.objects.filter(active=True)
    )


def loan_terms_initial(loan) -> dict:
    return {
        "principal": loan.principal,
        "term_months": loan.term_months,
        "purpose": loan.purpose,
        "business_plan": loan.business_plan,
        "laid_off_employed": loan.laid_off_employed,
    }


def guarantors_initial(loan) -> list[dict]:
    return [
        {
            "kind": g.kind,
            "name": g.name,
            "id_number": g.id_number,
            "work_unit": g.work_unit,
            "share": g.share,
        }
        for g in loan.guarantors.all()
    ]


class GuarantorForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *GuarantorKind.choices])
    name = forms.CharField(label=_("Name"), max_length=100)
    id_number = forms.CharField(label=_("Resident ID or unified credit code"), max_length=30)
    work_unit = forms.CharField(label=_("Work unit"), max_length=100, required=False)
    share = forms.DecimalField(
        label=_("Share guaranteed (%)"), max_digits=5, decimal_places=2, min_value=Decimal("0.01")
    )

    def clean_id_number(self) -> str:
        return unicodedata.normalize("NFKC", self.cleaned_data["id_number"]).replace(" ", "")

    def guarantor(self) -> GuarantorData:
        data = self.cleaned_data
        return GuarantorData(
            kind=data["kind"],
            name=data["name"].strip(),
            id_number=data["id_number"],
            share=data["share"],
            work_unit=data.get("work_unit", ""),
        )


GuarantorFormSet = forms.formset_factory(GuarantorForm, extra=3, max_num=5)


def guarantors_of(formset) -> list[GuarantorData]:
    """The filled rows of a valid formset (blank rows are skipped)."""
    return [form.guarantor() for form in formset.forms if form.has_changed() and form.cleaned_data]


class DisburseForm(forms.Form):
    method = forms.ChoiceField(label=_("Method"), choices=LOAN_METHODS, widget=forms.RadioSelect)
    disbursed_on = forms.DateField(label=_("Paid out on"), widget=DATE)
    first_due = forms.DateField(
        label=_("First instalment due"),
        widget=DATE,
        help_text=_("Later instalments fall on the same day of each month (or its last day)."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"method": Method.BANK, "disbursed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class RepayForm(forms.Form):
    method = forms.ChoiceField(label=_("Method"), choices=LOAN_METHODS, widget=forms.RadioSelect)
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=20)
    paid_on = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"method": Method.CASH, "paid_on": timezone.localdate()})
        super().__init__(*args, **kwargs)

    def clean_amount(self) -> Decimal:
        return _clean_amount(self.cleaned_data["amount"])


class RepaymentReverseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    paid_on = forms.DateField(label=_("Date"), widget=DATE)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"paid_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class SubsidyForm(forms.Form):
    paid_on = forms.DateField(label=_("Date"), widget=DATE)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"paid_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class WriteOffForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the loan cannot be recovered"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WriteOffRejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the write-off is rejected"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
