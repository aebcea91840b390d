"""What a form page says about its form: whether it asks for anything (the legend "* 为必填项")."""

from django import template
from django.forms import Form

register = template.Library()


@register.filter
def has_required_fields(form: Form) -> bool:
    """Whether any visible field of the form is required: its label then carries a red asterisk
    (crispy-forms' `asteriskField`), which the legend above the form explains."""
    return any(field.field.required and not field.is_hidden for field in form)
