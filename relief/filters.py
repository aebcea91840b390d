"""The ledger's filters: one FilterSet for the ledger page and its export."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from helpcenter.models import Union
from relief.models import Disbursement, Fund, LineKind, Method, Programme


class _ReadOnce(ModelChoiceIterator):
    """The choices from the field's queryset as it was read, not a new query each time."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for row in self.queryset:
            yield self.choice(row)

    def __len__(self) -> int:
        return len(self.queryset) + (self.field.empty_label is not None)


class ListedChoiceField(django_filters.fields.ModelChoiceField):
    """A choice among a short list (programmes, funds, unions) read in one query that serves
    its choices, the check of the chosen value and the names on the ledger page
    (LedgerFilter.listed); a ModelChoiceField reads it once for each, through a server-side
    cursor on PostgreSQL."""

    iterator = _ReadOnce

    def to_python(self, value):
        if value in self.empty_values:
            return None
        for row in self.queryset:
            if str(row.pk) == str(value):
                return row
        raise ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


class ListedChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = ListedChoiceField


class LedgerFilter(django_filters.FilterSet):
    paid_from = django_filters.DateFilter(
        field_name="paid_on",
        lookup_expr="gte",
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    paid_to = django_filters.DateFilter(
        field_name="paid_on",
        lookup_expr="lte",
        label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    year = django_filters.NumberFilter(
        field_name="paid_on", lookup_expr="year", label=_("Year"), min_value=2000, max_value=2100
    )
    programme = ListedChoiceFilter(
        label=_("Programme"), empty_label=_("All"), queryset=Programme.objects.all()
    )
    fund = ListedChoiceFilter(
        label=_("Fund source"), empty_label=_("All"), queryset=Fund.objects.all()
    )
    union = ListedChoiceFilter(
        label=_("Union"), empty_label=_("All"), queryset=Union.objects.none()
    )
    method = django_filters.ChoiceFilter(
        label=_("Method"), empty_label=_("All"), choices=Method.choices
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind of line"), empty_label=_("All"), choices=LineKind.choices
    )

    class Meta:
        model = Disbursement
        fields = ["paid_from", "paid_to", "year", "programme", "fund", "union", "method", "kind"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["union"].queryset = Union.objects.visible_to(user)
        for name, field in self.form.fields.items():
            css = (
                "form-select"
                if name in ("programme", "fund", "union", "method", "kind")
                else ("form-control")
            )
            field.widget.attrs.setdefault("class", css)

    LISTED = ("union", "programme", "fund")

    def listed(self) -> dict[str, dict]:
        """The lists of the union, programme and fund filters by pk, as their choices read them
        (relief.selectors.ledger_page names the page's lines with them)."""
        return {
            name: {row.pk: row for row in self.form.fields[name].queryset} for name in self.LISTED
        }
