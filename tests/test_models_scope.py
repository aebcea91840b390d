"""Every model that holds household data answers `objects.visible_to(user)`: the one scope used
by every list, detail, export and partial."""

from django.apps import apps

HOUSEHOLD_DATA_APPS = ["households", "cases", "relief"]
# Reference data a county sets (no household's data in them): the only models exempt.
REFERENCE_DATA = {
    "LivingStandard",
    "ClassificationPolicy",
    "DocumentType",
    "CalendarDay",
    # relief: programmes, their tiers and goods, funds and budgets, loan programmes, closed
    # months and the voucher counter are the county's settings and bookkeeping.
    "Programme",
    "Tier",
    "GoodsItem",
    "TierGoods",
    "Fund",
    "FundYear",
    "Budget",
    "LoanProgramme",
    "ClosedMonth",
    "VoucherCounter",
}


def test_every_household_data_model_has_a_visible_to_queryset():
    models = [m for label in HOUSEHOLD_DATA_APPS for m in apps.get_app_config(label).get_models()]
    missing = [
        m.__name__
        for m in models
        if m.__name__ not in REFERENCE_DATA and not hasattr(m._default_manager, "visible_to")
    ]
    assert not missing, f"models without objects.visible_to(user): {missing}"


def test_the_union_scope_follows_the_tree(people):
    from helpcenter.models import Union

    assert list(Union.objects.visible_to(people.caseworker_a)) == [people.union_a]
    assert Union.objects.visible_to(people.finance).count() == 3
    from django.contrib.auth.models import AnonymousUser

    assert not Union.objects.visible_to(AnonymousUser()).exists()
