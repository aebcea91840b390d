"""Forms clean and normalise input; the services in cases/services.py decide and write."""

import json
from collections.abc import Iterable
from datetime import date, timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import selectors, services
from cases.models import Application, Channel, Kind, NoticeState, State
from helpcenter.models import Union
from households.choices import Health
from households.forms import (
    TEXTAREA,
    HouseholdForm,
    MemberForm,
    RegisterForm,
    ResidentIdField,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
REASON_HELP = _("Kept in the file and shown to whoever decides.")


def _reason_field(label=None) -> forms.CharField:
    return forms.CharField(label=label or _("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class ApplicationFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=[("", _("All")), *State.choices])
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All")), *Kind.choices])
    union = forms.ModelChoiceField(
        label=_("Union"), queryset=Union.objects.none(), empty_label=_("All")
    )
    survey_due = forms.ChoiceField(
        label=_("Home-visit survey"), choices=[("", _("All")), ("true", _("Due"))]
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["union"].queryset = Union.objects.visible_to(user).filter(is_active=True)
        for field in self.fields.values():
            field.required = False
            field.widget.attrs["class"] = "form-select"

    def filter(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        values = {name: data[name] for name in ("state", "kind", "union") if data[name]}
        if data["survey_due"]:
            queryset = queryset.filter(pk__in=selectors.surveys_due(self.user).values("pk"))
        return queryset.filter(**values)


class NoticeFilterForm(forms.Form):
    OPEN = "open"

    state = forms.ChoiceField(label=_("State"), choices=[("", _("All")), *NoticeState.choices])
    objections = forms.ChoiceField(
        label=_("Objections"), choices=[("", _("All")), (OPEN, _("With an open objection"))]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
            field.widget.attrs["class"] = "form-select"

    def filter(self, queryset):
        """`queryset` is annotated with open_objection_count (selectors.notices_with_counts)."""
        if not self.is_valid():
            return queryset
        if self.cleaned_data["state"]:
            queryset = queryset.filter(state=self.cleaned_data["state"])
        if self.cleaned_data["objections"] == self.OPEN:
            queryset = queryset.filter(open_objection_count__gt=0)
        return queryset


CHOOSE = _("Please choose")

# The registration form in the order a caseworker fills it in at the family's home. The family
# itself is listed on the application's page (its own small pages); the size follows from it.
REGISTRATION_SECTIONS = [
    (
        _("Applicant"),
        "applicant",
        [
            "union",
            "head_name",
            "head_id_number",
            "head_health",
            "phone",
            "work_unit",
            "employment",
            "is_migrant_worker",
            "model_worker_level",
        ],
    ),
    (_("Family members"), "members", []),
    (
        _("Income and expenses"),
        "income",
        [
            "monthly_income",
            "monthly_rigid_expenses",
            "annual_hardship_costs",
            "receives_subsistence_allowance",
        ],
    ),
    (
        _("Housing and employment"),
        "housing",
        [
            "housing",
            "owns_several_homes",
            "runs_business_with_employees",
            "child_at_costly_private_school",
            "uses_motor_vehicle",
            "skills",
            "employment_wishes",
        ],
    ),
    (
        _("Home-visit survey"),
        "survey",
        [
            "causes",
            "family_situation",
            "hardship_cause_notes",
            "state_of_mind",
            "responsible",
            "contact",
            "notes",
            "reason",
        ],
    ),
]


def choose_labels(form: forms.Form) -> None:
    """A Chinese empty choice ("请选择") instead of Django's "---------"."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField) and field.empty_label is not None:
            field.empty_label = CHOOSE
        elif isinstance(field, forms.ChoiceField) and not isinstance(
            field, forms.MultipleChoiceField
        ):
            field.choices = [
                (value, CHOOSE if value == "" and label == "---------" else label)
                for value, label in field.choices
            ]


class RegistrationSections:
    """The registration form in sections (form.html renders them with an error summary). The
    household size is no field: it is the worker and the family members listed."""

    sections = REGISTRATION_SECTIONS

    def _as_registration(self) -> None:
        self.fields.pop("size", None)
        self.fields["reason"].help_text = REASON_HELP
        choose_labels(self)

    def fieldsets(self) -> list[tuple[str, str, list]]:
        listed = {name for _title, _key, names in self.sections for name in names}
        rest = [name for name in self.fields if name not in listed]
        fieldsets = []
        for title, key, names in self.sections:
            names = [name for name in names if name in self.fields]
            if key == "survey":
                names += rest
            fieldsets.append((title, key, [self[name] for name in names]))
        return fieldsets


class RegistrationApplicationForm(RegistrationSections, RegisterForm):
    """建档申请: the worker, the household (the registry's own fields) and why help is needed."""

    reason = _reason_field(_("Why the family needs help"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._as_registration()


class RegistrationEditForm(RegistrationSections, HouseholdForm):
    """A draft or returned registration: the worker, the proposed household and the reason."""

    head_name = forms.CharField(label=_("Worker's name"), max_length=50)
    # Never filled in: the ID on file is shown masked above the form and kept when this is left
    # blank, so an edit form shows no full ID; a correction is typed from the ID card.
    head_id_number = ResidentIdField(
        label=_("Worker's resident ID"),
        required=False,
        help_text=_("Leave blank to keep the ID on file. To correct it, type the full ID."),
    )
    head_health = forms.ChoiceField(label=_("Worker's health"), choices=Health.choices)
    reason = _reason_field(_("Why the family needs help"))

    field_order = ["head_name", "head_id_number", "head_health"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._as_registration()


class ApplicationMemberForm(MemberForm):
    """A family member of a registration. Editing one, the ID on file is shown masked and kept
    when the field is left blank (as for the worker), so no page shows a full ID unasked."""

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _(
                "Leave blank to keep the ID on file. To correct it, type the full ID."
            )
        choose_labels(self)


class ExitProposalForm(forms.Form):
    follow_up_on = forms.DateField(label=_("Follow-up visit on"), widget=DATE)
    reason = _reason_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["follow_up_on"].initial = timezone.localdate() + timedelta(days=90)


class ReasonForm(forms.Form):
    reason = _reason_field()


# The application a household page starts, by kind (?kind=exit|removal; relief applications are
# filed under a programme on relief's own form: relief/views_applications.py).
HOUSEHOLD_APPLICATION_FORMS: dict[str, type[forms.Form]] = {
    Kind.EXIT: ExitProposalForm,
    Kind.REMOVAL: ReasonForm,
}

# What a draft or returned application lets its filer change, by kind.
EDIT_FORMS: dict[str, type[forms.Form]] = {
    Kind.REGISTRATION: RegistrationEditForm,
    Kind.EXIT: ExitProposalForm,
    Kind.REMOVAL: ReasonForm,
}


class SurveyForm(forms.Form):
    survey_on = forms.DateField(label=_("Date of the home visit"), widget=DATE)
    visitors = forms.CharField(label=_("Visitors"), max_length=100)
    findings = forms.CharField(
        label=_("What the visit found"), widget=forms.Textarea(attrs={"rows": 4})
    )
    authorised = forms.BooleanField(
        label=_("The family signed the authorisation for income checks"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survey_on"].initial = timezone.localdate()


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), widget=TEXTAREA, required=False)


class ReturnForm(forms.Form):
    reason = _reason_field(_("What the filer should change"))


class RejectForm(forms.Form):
    reason = _reason_field(_("Reason the applicant can be told"))


class OpinionForm(forms.Form):
    """The opinion a supervisor gives on approving or posting (审批意见): kept in the trail."""

    comment = forms.CharField(
        label=_("Your opinion"),
        widget=TEXTAREA,
        error_messages={"required": _("Write your opinion: it is kept in the trail.")},
    )


# The words of a suggested notice title (关于2026年12月困难职工建档及帮扶申请的公示): the kinds of
# the listed applications, in this order, and the month the notice starts.
TITLE_KIND_WORDS = {
    Kind.REGISTRATION: _("registration of files"),
    Kind.RELIEF: _("assistance"),
    Kind.EXIT: _("exit from hardship"),
    Kind.REMOVAL: _("removal of files"),
}
TITLE_PATTERN = _("Public notice of the %(kinds)s applications of workers in hardship, %(month)s")
TITLE_MONTH = _("%(month)s/%(year)s")
TITLE_PAIR = _("%(first)s and %(last)s")
TITLE_LIST = _("%(list)s, %(item)s")


def suggested_title(*, start_on: date, kinds: Iterable[str]) -> str:
    """A title from the month the notice starts and the kinds it lists: the form offers it, the
    page's script keeps it in step with the choices (static/js/notice_form.js), the user may
    change it."""
    words = [str(word) for kind, word in TITLE_KIND_WORDS.items() if kind in set(kinds)]
    if len(words) > 1:
        listed = words[0]
        for word in words[1:-1]:
            listed = TITLE_LIST % {"list": listed, "item": word}
        words = [TITLE_PAIR % {"first": listed, "last": words[-1]}]
    month = TITLE_MONTH % {"month": start_on.month, "year": start_on.year}
    return TITLE_PATTERN % {"kinds": "".join(words), "month": month}


class NoticeForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_(
            "Suggested from the month and the kinds of applications chosen; change it as you like."
        ),
    )
    place = forms.CharField(label=_("Place of posting"), max_length=200)
    contact = forms.CharField(label=_("Contact for objections"), max_length=200)
    start_on = forms.DateField(label=_("Start date"), widget=DATE)
    working_days = forms.IntegerField(
        label=_("Length in working days"), min_value=1, max_value=30, initial=5
    )
    show_masked_ids = forms.BooleanField(
        label=_("Show resident IDs (first 6 and last 4 characters only)"), required=False
    )
    applications = forms.ModelMultipleChoiceField(
        label=_("Reviewed applications to list"),
        queryset=Application.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one reviewed application.")},
    )

    def __init__(self, *args, user, notice=None, **kwargs):
        """`notice`: a draft being edited; its own applications are offered (and chosen)."""
        super().__init__(*args, **kwargs)
        self.fields["start_on"].initial = timezone.localdate()
        listable = Q(notice=None) if notice is None else Q(notice=None) | Q(notice=notice)
        self.fields["applications"].queryset = (
            Application.objects.visible_to(user)
            .filter(listable, state=State.REVIEWED)
            .select_related("union", "reviewed_by")
            .order_by("union__code", "id")
        )
        self.fields["applications"].label_from_instance = _application_label
        if notice is None:
            kinds = self.fields["applications"].queryset.values_list("kind", flat=True)
            self.fields["title"].initial = suggested_title(
                start_on=timezone.localdate(), kinds=set(kinds)
            )
            self.fields["title"].widget.attrs["data-title-suggest"] = "on"
        else:
            self.fields["title"].help_text = ""
        self.fields["title"].widget.attrs.update(
            {
                "data-title-pattern": TITLE_PATTERN,
                "data-title-month": TITLE_MONTH,
                "data-title-pair": TITLE_PAIR,
                "data-title-list": TITLE_LIST,
                "data-title-kinds": json.dumps(
                    {kind: str(word) for kind, word in TITLE_KIND_WORDS.items()},
                    ensure_ascii=False,
                ),
            }
        )

    def clean_title(self):
        return " ".join(self.cleaned_data["title"].split())

    def clean(self):
        """A title left blank is the suggested one."""
        data = super().clean()
        if not data.get("title") and data.get("start_on") and data.get("applications"):
            kinds = {application.kind for application in data["applications"]}
            data["title"] = suggested_title(start_on=data["start_on"], kinds=kinds)
        return data


def _application_label(application: Application) -> str:
    parts = [application.applicant_name, application.get_kind_display(), application.union.name]
    if application.programme:
        parts.append(application.programme)
    if application.requested_amount is not None:
        parts.append(f"{application.requested_amount} 元")
    return " · ".join(str(part) for part in parts)


class ObjectionForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    received_at = forms.DateTimeField(
        label=_("Received at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    application = forms.ModelChoiceField(
        label=_("Application it concerns"),
        queryset=Application.objects.none(),
        required=False,
        empty_label=_("Not about one application"),
    )
    content = forms.CharField(label=_("What the objection says"), widget=TEXTAREA)
    raised_by = forms.CharField(
        label=_("Raised by"),
        max_length=100,
        required=False,
        help_text=_("Leave blank when the objection is anonymous."),
    )

    def __init__(self, *args, notice, user, **kwargs):
        """Offers only what `user` may act on: the notice's applications within their scope, and
        an objection to the whole notice only when they may act on the whole notice."""
        super().__init__(*args, **kwargs)
        self.fields["received_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        application = self.fields["application"]
        application.queryset = (
            Application.objects.visible_to(user)
            .filter(notice=notice, state__in=[State.IN_NOTICE, State.AWAITING_APPROVAL])
            .select_related("union")
            .order_by("id")
        )
        application.label_from_instance = _application_label
        if not services.may_act_on_notice(user, notice):
            application.required = True
            application.empty_label = _("Choose an applicant of your union")
            application.error_messages["required"] = _(
                "Choose the applicant of your union the objection is about."
            )
            application.help_text = _(
                "This notice lists applicants of other unions: an objection to the whole notice "
                "is recorded by a supervisor of the county federation."
            )


class Resolution(forms.Form):
    DISMISS = "dismiss"
    UPHOLD_REJECT = "uphold_reject"
    UPHOLD_RETURN = "uphold_return"
    CHOICES = [
        (DISMISS, _("Dismissed: the application goes on")),
        (UPHOLD_REJECT, _("Upheld: reject the application")),
        (UPHOLD_RETURN, _("Upheld: return the application for changes")),
    ]

    decision = forms.ChoiceField(label=_("Decision"), choices=CHOICES, widget=forms.RadioSelect)
    note = forms.CharField(label=_("What the investigation found"), widget=TEXTAREA)

    def service_arguments(self) -> dict:
        """The decision in the terms of services.objection_resolve."""
        decision = self.cleaned_data["decision"]
        outcome = State.RETURNED if decision == self.UPHOLD_RETURN else State.REJECTED
        return {
            "upheld": decision != self.DISMISS,
            "outcome": outcome,
            "note": self.cleaned_data["note"],
        }
