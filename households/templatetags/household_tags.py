from django import template

from households import resident_ids

register = template.Library()


@register.filter
def masked_id(number: str) -> str:
    """110105********002X: what every list shows instead of a resident ID."""
    return resident_ids.mask(number or "")
