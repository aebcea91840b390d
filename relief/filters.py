"""The ledger's filters: one FilterSet for the ledger page and its export."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from helpcenter.models import Union
from relief.models import Disbursement, Fund, LineKind, Method, Programme


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
    programme = django_filters.ModelChoiceFilter(
        label=_("Programme"), empty_label=_("All"), queryset=Programme.objects.all()
    )
    fund = django_filters.ModelChoiceFilter(
        label=_("Fund source"), empty_label=_("All"), queryset=Fund.objects.all()
    )
    union = django_filters.ModelChoiceFilter(
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
