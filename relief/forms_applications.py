"""The relief application form: a programme, then only the details that programme needs (the
student and school year for tuition aid, the patient and the case for medical aid, the amount
where the tier is a ceiling). It cleans input; relief.eligibility decides and
relief.applications writes."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.forms import choose_labels
from households.forms import MoneyField
from households.models import Household
from relief.models import MedicalCase, Programme, ProgrammeKind, Tier

DETAILS = ("cash_amount", "student", "school_year", "other_grant", "medical_case", "patient")


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, member) -> str:
        parts = [member.name, str(member.get_relation_display())]
        if member.school_stage:
            parts.append(str(member.get_school_stage_display()))
        return " · ".join(parts)


class ReliefApplicationForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.none(),
        help_text=_("The decision below follows the programme's rules as soon as you choose."),
    )
    student = MemberChoiceField(
        label=_("Student"), queryset=None, required=False, help_text=_("A member of the family.")
    )
    school_year = forms.IntegerField(
        label=_("School year"),
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=_("Its first calendar year: 2026 for 2026–2027."),
    )
    other_grant = forms.BooleanField(
        label=_("The student receives another grant for the same study"), required=False
    )
    patient = MemberChoiceField(
        label=_("Patient"), queryset=None, required=False, help_text=_("The worker or a relative.")
    )
    medical_case = forms.ChoiceField(
        label=_("Medical case"), choices=[("", ""), *MedicalCase.choices], required=False
    )
    out_of_pocket = MoneyField(label=_("Out-of-pocket costs (yuan)"), required=False)
    cash_amount = MoneyField(
        label=_("Cash amount (yuan)"),
        required=False,
        help_text=_("At most the tier's ceiling, shown in the decision."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the file and shown to whoever decides."),
    )

    def __init__(self, *args, household: Household, keep_programme=None, **kwargs):
        super().__init__(*args, **kwargs)
        programmes = Programme.objects.active()
        if keep_programme is not None:  # an application under a programme closed since
            programmes = Programme.objects.filter(pk=keep_programme.pk) | programmes
        self.fields["programme"].queryset = programmes.order_by("position", "name")
        members = household.members.order_by("id")
        self.fields["student"].queryset = members
        self.fields["patient"].queryset = members
        self.fields["school_year"].initial = timezone.localdate().year
        choose_labels(self)
        self.programme = self._chosen_programme()
        for name in self.hidden_details():
            del self.fields[name]

    def _chosen_programme(self) -> Programme | None:
        field = self.fields["programme"]
        value = self.data.get(self.add_prefix("programme")) if self.is_bound else None
        value = value or self.initial.get("programme")
        if isinstance(value, Programme):
            return value
        if not value or not str(value).isdigit() or len(str(value)) > 9:
            return None
        try:
            return field.queryset.get(pk=int(value))
        except Programme.DoesNotExist:
            return None

    def hidden_details(self) -> set[str]:
        """The details the chosen programme does not need (all of them before one is chosen)."""
        programme = self.programme
        if programme is None:
            return {*DETAILS, "out_of_pocket"}
        needed = set()
        if programme.kind == ProgrammeKind.TUITION or programme.once_per_student_year:
            needed |= {"student", "school_year", "other_grant"}
        if programme.kind == ProgrammeKind.MEDICAL:
            needed |= {"patient", "medical_case", "out_of_pocket"}
        if Tier.objects.filter(programme=programme, is_ceiling=True).exists():
            needed.add("cash_amount")
        return {*DETAILS, "out_of_pocket"} - needed

    def facts(self) -> dict:
        """The cleaned details as relief.applications takes them (absent ones empty)."""
        data = self.cleaned_data
        return {
            "cash_amount": data.get("cash_amount"),
            "student": data.get("student"),
            "school_year": data.get("school_year"),
            "other_grant": bool(data.get("other_grant")),
            "medical_case": data.get("medical_case") or "",
            "patient": data.get("patient"),
        }
