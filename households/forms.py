"""Forms clean and normalise input; the services decide and write."""

import unicodedata
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpcenter.models import Union
from households import resident_ids
from households.choices import Category, Cause, Degree, Health, Relation, SchoolStage
from households.models import DocumentType, Household, Measure, MeasureStatus
from households.services import TRACKED_FIELDS

# The fields a person edits on the file: what the services track, less the union (a file moves
# between unions only by a decision of the county, not by an edit).
HOUSEHOLD_FIELDS = [name for name in TRACKED_FIELDS if name != "union"]
TEXTAREA = forms.Textarea(attrs={"rows": 2})


class ResidentIdField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("label", _("Resident ID"))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:  # only when not required: the caller keeps what it has
            return ""
        try:
            return resident_ids.clean(value)
        except resident_ids.InvalidResidentId as error:
            raise forms.ValidationError(error.message) from None


class MoneyField(forms.DecimalField):
    """Accepts 1,000.00, 1000元 and full-width digits."""

    widget = forms.TextInput(attrs={"inputmode": "decimal"})

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal(0))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value)
            value = "".join(value.split()).replace(",", "").removesuffix("元")
        try:
            return super().to_python(value)
        except forms.ValidationError:
            raise
        except InvalidOperation:
            raise forms.ValidationError(_("Enter an amount in yuan, e.g. 1200.50.")) from None


class HouseholdForm(forms.ModelForm):
    causes = forms.MultipleChoiceField(
        label=_("Causes of hardship"),
        choices=Cause.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    monthly_income = MoneyField(label=_("Monthly household income (yuan)"))
    monthly_rigid_expenses = MoneyField(label=_("Monthly rigid expenses (yuan)"), required=False)
    annual_hardship_costs = MoneyField(label=_("Hardship costs this year (yuan)"), required=False)

    class Meta:
        model = Household
        fields = HOUSEHOLD_FIELDS
        widgets = {
            name: TEXTAREA
            for name in [
                "family_situation",
                "hardship_cause_notes",
                "skills",
                "employment_wishes",
                "state_of_mind",
                "notes",
            ]
        }

    def clean_monthly_rigid_expenses(self):
        return self.cleaned_data.get("monthly_rigid_expenses") or Decimal(0)

    def clean_annual_hardship_costs(self):
        return self.cleaned_data.get("annual_hardship_costs") or Decimal(0)

    def clean_phone(self):
        return resident_ids.normalise(self.cleaned_data.get("phone", ""))


class RegisterForm(HouseholdForm):
    """A new file: the union, the worker (head) and the household."""

    union = forms.ModelChoiceField(label=_("Union"), queryset=Union.objects.none())
    head_name = forms.CharField(label=_("Worker's name"), max_length=50)
    head_id_number = ResidentIdField(label=_("Worker's resident ID"))
    head_health = forms.ChoiceField(label=_("Worker's health"), choices=Health.choices)

    field_order = ["union", "head_name", "head_id_number", "head_health"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        unions = Union.objects.visible_to(user).filter(is_active=True, parent__isnull=False)
        self.fields["union"].queryset = unions
        if not user.works_county_wide:
            self.fields["union"].initial = user.union_id
            self.fields["union"].disabled = True


class MemberForm(forms.Form):
    relation = forms.ChoiceField(label=_("Relation"), choices=Relation.choices[1:])
    name = forms.CharField(label=_("Full name"), max_length=50)
    id_number = ResidentIdField()
    health = forms.ChoiceField(label=_("Health"), choices=Health.choices)
    disability_level = forms.TypedChoiceField(
        label=_("Disability certificate level"),
        choices=[("", "—"), (1, "1"), (2, "2"), (3, "3"), (4, "4")],
        coerce=int,
        empty_value=None,
        required=False,
    )
    school_stage = forms.ChoiceField(
        label=_("School stage"), choices=SchoolStage.choices, required=False
    )
    school = forms.CharField(label=_("School"), max_length=100, required=False)
    employment = forms.CharField(label=_("Employment"), max_length=100, required=False)
    monthly_income = MoneyField(label=_("Monthly income (yuan)"), required=False)

    def __init__(self, *args, head=False, **kwargs):
        super().__init__(*args, **kwargs)
        if head:
            self.fields["relation"].choices = Relation.choices[:1]

    def clean_monthly_income(self):
        return self.cleaned_data.get("monthly_income") or Decimal(0)


class ClassifyForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    degree = forms.ChoiceField(
        label=_("Degree"), choices=[("", "—"), *Degree.choices], required=False
    )
    override_reason = forms.CharField(
        label=_("Reason, if you differ from the suggestion"), widget=TEXTAREA, required=False
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=TEXTAREA)


class ExitForm(ReasonForm):
    follow_up_on = forms.DateField(
        label=_("Follow-up visit on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["follow_up_on"].initial = timezone.localdate() + timedelta(days=90)


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("Review note"), widget=TEXTAREA, required=False)


class DocumentForm(forms.Form):
    document_type = forms.ModelChoiceField(
        label=_("Document type"), queryset=DocumentType.objects.all()
    )
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"))


class MeasureForm(forms.ModelForm):
    class Meta:
        model = Measure
        fields = ["description", "owner", "target_date"]
        widgets = {"target_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class MeasureUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=MeasureStatus.choices)
    outcome = forms.CharField(label=_("Outcome"), widget=TEXTAREA, required=False)


class VisitForm(forms.Form):
    visited_on = forms.DateField(
        label=_("Visited on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    visitors = forms.CharField(label=_("Visitors"), max_length=100)
    findings = forms.CharField(label=_("What was found"), widget=forms.Textarea(attrs={"rows": 3}))
    delivered = forms.CharField(label=_("What was delivered"), max_length=200, required=False)
    photo = forms.FileField(label=_("Photo (optional)"), required=False)
    next_visit_on = forms.DateField(
        label=_("Next visit due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visited_on"].initial = timezone.localdate()


class StandardImpactForm(forms.Form):
    monthly_amount = MoneyField(label=_("New minimum-living standard (yuan per person per month)"))
    effective_from = forms.DateField(
        label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
