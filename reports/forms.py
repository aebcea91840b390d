from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpcenter.models import Union
from reports.catalogue import KINDS, Period


def default_period() -> str:
    today = timezone.localdate()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year}-{month:02d}"


class ReportRequestForm(forms.Form):
    """Ask for a report of the catalogue for a period (and, for county staff, a union)."""

    kind = forms.ChoiceField(label=_("Report"))
    format = forms.ChoiceField(label=_("Format"))
    period = forms.CharField(
        label=_("Reporting period"),
        max_length=10,
        required=False,
        help_text=_("A year (2026), a quarter (2026-Q3) or a month (2026-07)."),
    )
    union = forms.ModelChoiceField(
        label=_("Union"),
        queryset=Union.objects.none(),
        required=False,
        empty_label=_("The whole county"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        kinds = [kind for kind in KINDS.values() if kind.listed and user.has_perm(kind.permission)]
        self.fields["kind"].choices = [(kind.code, kind.label) for kind in kinds]
        formats = [fmt for fmt in ("pdf", "xlsx", "csv") if any(fmt in k.formats for k in kinds)]
        self.fields["format"].choices = [(fmt, fmt.upper()) for fmt in formats]
        self.fields["period"].initial = default_period()
        if user.works_county_wide:
            self.fields["union"].queryset = Union.objects.visible_to(user).filter(is_active=True)
        else:
            del self.fields["union"]

    def clean(self):
        data = super().clean()
        kind = KINDS.get(data.get("kind"))
        if kind is None:
            return data
        if data.get("format") and data["format"] not in kind.formats:
            self.add_error(
                "format",
                _("This report comes as %(formats)s.")
                % {"formats": "、".join(fmt.upper() for fmt in kind.formats)},
            )
        if kind.needs_period:
            try:
                data["period"] = Period.parse(data.get("period") or "").code
            except ValueError as exc:
                self.add_error("period", str(exc))
        union = data.get("union")
        if union is not None and union.parent_id is None:
            data["union"] = None  # the county federation itself: the whole county
        return data
