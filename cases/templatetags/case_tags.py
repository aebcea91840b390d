"""Presentation only: which Bootstrap colour a state's badge has (each state its own, its text
at WCAG AA contrast: tests/test_badges.py)."""

from django import template

from cases.models import NoticeState, ObjectionState, State

register = template.Library()

BADGE_COLOURS = {
    State.DRAFT: "secondary",
    State.SUBMITTED: "info",
    State.RETURNED: "warning",
    State.REVIEWED: "primary",
    State.IN_NOTICE: "dark",
    State.AWAITING_APPROVAL: "hc-violet",  # static/css/helpcenter.css
    State.APPROVED: "success",
    State.REJECTED: "danger",
}
NOTICE_BADGE_COLOURS = {
    NoticeState.DRAFT: "secondary",
    NoticeState.PUBLISHED: "primary",
    NoticeState.CLOSED: "success",
}
OBJECTION_BADGE_COLOURS = {
    ObjectionState.OPEN: "warning",
    ObjectionState.UPHELD: "danger",
    ObjectionState.DISMISSED: "secondary",
}


@register.filter
def state_colour(state: str) -> str:
    return BADGE_COLOURS.get(state, "secondary")


@register.filter
def notice_colour(state: str) -> str:
    return NOTICE_BADGE_COLOURS.get(state, "secondary")


@register.filter
def objection_colour(state: str) -> str:
    return OBJECTION_BADGE_COLOURS.get(state, "secondary")
