"""The household list's filters and search: one FilterSet used by the list page and the export."""

import contextlib
import re
import unicodedata
from datetime import timedelta

import django_filters
from django.db.models import F, Q
from django.db.models.functions import Reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpcenter.models import Union
from households import resident_ids
from households.choices import Category, Cause, Degree, Employment, Relation, Status
from households.models import Household, Member

FILE_NUMBER = re.compile(r"^\d{2,10}-(\d{4}(-\d{0,6})?)?$")
# Longer than any name, ID or file number; a longer search is refused before it reaches the
# database (SQLite refuses a LIKE pattern of 50,000 bytes: a 500 otherwise).
SEARCH_MAX_LENGTH = 100
# Initials of at most this many heads are rare: their files are found first, then sorted.
RARE_INITIALS = 6_000


class HouseholdFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        max_length=SEARCH_MAX_LENGTH,
        error_messages={
            "max_length": _(
                "Search with at most %(limit_value)d characters: a name, initials, an ID or its "
                "last digits, or a file number."
            )
        },
    )
    union = django_filters.ModelChoiceFilter(
        label=_("Union"), empty_label=_("All"), queryset=Union.objects.none()
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), empty_label=_("All"), choices=Status.choices
    )
    category = django_filters.ChoiceFilter(
        label=_("Category"), empty_label=_("All"), choices=Category.choices
    )
    degree = django_filters.ChoiceFilter(
        label=_("Degree"), empty_label=_("All"), choices=Degree.choices
    )
    cause = django_filters.ChoiceFilter(
        label=_("Cause"), empty_label=_("All"), choices=Cause.choices, method="by_cause"
    )
    employment = django_filters.ChoiceFilter(
        label=_("Employment"), empty_label=_("All"), choices=Employment.choices
    )
    is_migrant_worker = django_filters.BooleanFilter(label=_("Migrant worker"))
    review_due = django_filters.BooleanFilter(label=_("Review due"), method="by_review_due")
    visit_due = django_filters.BooleanFilter(label=_("Visit due"), method="by_visit_due")

    class Meta:
        model = Household
        fields = [
            "q",
            "union",
            "status",
            "category",
            "degree",
            "cause",
            "employment",
            "is_migrant_worker",
        ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["union"].queryset = Union.objects.visible_to(user).filter(is_active=True)
        for name, field in self.form.fields.items():
            css = "form-control" if name == "q" else "form-select"
            field.widget.attrs.setdefault("class", css)
            if name in ("is_migrant_worker", "review_due", "visit_due"):
                field.widget.choices = [("", _("All")), ("true", _("Yes")), ("false", _("No"))]

    def search(self, queryset, name, value):
        """Name, pinyin initials (zs → 张三), full ID or its last digits, or file number."""
        value = unicodedata.normalize("NFKC", value).strip()
        if not value:
            return queryset
        if FILE_NUMBER.match(value):  # 1302-2026-00001, 1302-2026, 1302-
            return queryset.filter(file_number__startswith=value)
        number = resident_ids.normalise(value)
        if len(number) >= 4 and (number[:-1].isdigit() and number[-1] in "0123456789X"):
            if len(number) in (15, 18):
                with contextlib.suppress(resident_ids.InvalidResidentId):
                    number = resident_ids.clean(number)
                return queryset.filter(members__id_number=number).distinct()
            return queryset.filter(pk__in=_ending_with(number))
        if value.isascii() and value.isalpha():
            return _by_initials(queryset, value.lower())
        return queryset.filter(head__name__contains=value)

    def by_cause(self, queryset, name, value):
        # causes is a JSON list; a contains-match on its text works on SQLite and PostgreSQL.
        return queryset.filter(causes__icontains=f'"{value}"')

    def by_review_due(self, queryset, name, value):
        if value is None:
            return queryset
        due = review_due_q()
        return queryset.filter(due) if value else queryset.exclude(due)

    def by_visit_due(self, queryset, name, value):
        if value is None:
            return queryset
        due = visit_due_q()
        return queryset.filter(due) if value else queryset.exclude(due)


def _by_initials(queryset, initials: str):
    """Files whose head's name has these pinyin initials, in the list's order.

    In one query PostgreSQL walks the list's order index and tests each head: fast when the
    initials are common, slow when they are rare (`zw`, 2,112 of 1,000,000 heads: 36,000 files
    walked, 240 ms). For rare initials the order is written so that no index gives it (DESC NULLS
    LAST; `registered_on` is never null, so the order is the same): then it finds the heads by
    their initials' index and sorts them (27 ms). Sorting common ones would cost more than
    walking (`z`, 70,000 heads: 600 ms), hence the count of up to RARE_INITIALS + 1 heads first."""
    matching = queryset.filter(head__name_initials__startswith=initials)
    heads = Member.objects.filter(relation=Relation.SELF, name_initials__startswith=initials)
    if heads.order_by()[: RARE_INITIALS + 1].count() > RARE_INITIALS:
        return matching
    return matching.order_by(F("registered_on").desc(nulls_last=True), F("id").desc())


def _ending_with(digits: str):
    """The households whose head's ID or whose file number ends with `digits`: one UNION ALL
    of two prefix searches on the reversed text, which PostgreSQL's indexes of migration
    households/0008 answer without scanning (an OR of two `LIKE '%…'` scans every file)."""
    reversed_digits = digits[::-1]
    heads = (
        Member.objects.annotate(id_reversed=Reverse("id_number"))
        .filter(relation=Relation.SELF, id_reversed__startswith=reversed_digits)
        .order_by()
        .values("household_id")
    )
    files = (
        Household.objects.annotate(number_reversed=Reverse("file_number"))
        .filter(number_reversed__startswith=reversed_digits)
        .order_by()
        .values("pk")
    )
    return heads.union(files, all=True)


def visit_due_q() -> Q:
    """Registered or exited (follow-up) households whose next visit date has come."""
    return Q(status__in=[Status.REGISTERED, Status.EXITED], next_visit_on__lte=timezone.localdate())


def review_due_q() -> Q:
    """Registered files not reviewed for 12 months (or never, registered over 12 months ago)."""
    year_ago = timezone.localdate() - timedelta(days=365)
    return Q(status=Status.REGISTERED) & (
        Q(last_reviewed_on__lte=year_ago)
        | Q(last_reviewed_on__isnull=True, registered_on__lte=year_ago)
    )


def households_filtered(user, params) -> HouseholdFilter:
    """The filter over the households this user may see, with head and union joined."""
    queryset = Household.objects.visible_to(user).select_related("head", "union")
    return HouseholdFilter(params, queryset=queryset, user=user)
