"""The household page's ledger (一户一账): `{% household_ledger household %}` renders every
line the household received, its totals per year and what is left under each cap. Only a read
(relief.selectors.household_ledger), shown to those who may read the ledger."""

from django import template

from relief.selectors import household_ledger as ledger_of
from relief.vouchers import amount_in_capitals

register = template.Library()


@register.inclusion_tag("relief/_household_ledger.html", takes_context=True)
def household_ledger(context, household) -> dict:
    user = context["request"].user
    if not user.has_perm("relief.view_ledger"):
        return {"allowed": False}
    return {"allowed": True, "household": household, "ledger": ledger_of(household)}


@register.filter
def capitals(amount) -> str:
    return amount_in_capitals(amount)
