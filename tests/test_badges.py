"""State badges: each state of a kind has its own colour, and its text can be read (WCAG AA,
4.5:1), with the colours taken from the CSS the pages load."""

import re
from pathlib import Path

import pytest

from cases.models import NoticeState, ObjectionState, State
from cases.templatetags.case_tags import notice_colour, objection_colour, state_colour

STATIC = Path(__file__).resolve().parent.parent / "static"


def _rgb(text: str) -> tuple[int, int, int]:
    text = text.strip()
    if text.startswith("#"):
        digits = text[1:]
        if len(digits) == 3:
            digits = "".join(d * 2 for d in digits)
        return tuple(int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return tuple(int(part) for part in text.split(","))


def badge_colours() -> dict[str, tuple[tuple, tuple]]:
    """class suffix → (text colour, background colour), from Bootstrap and our stylesheet."""
    bootstrap = (STATIC / "vendor" / "bootstrap" / "bootstrap.min.css").read_text()
    ours = (STATIC / "css" / "helpcenter.css").read_text()
    variables = dict(re.findall(r"--bs-([a-z]+)-rgb:\s*([0-9, ]+)[;}]", bootstrap))
    colours = {}
    for name, text, background in re.findall(
        r"\.text-bg-([a-z-]+)\s*\{\s*color:\s*(#[0-9a-fA-F]+)\s*!important;\s*"
        r"background-color:\s*([^;!]+)",
        bootstrap + ours,
    ):
        variable = re.match(r"RGBA\(var\(--bs-([a-z]+)-rgb\)", background)
        colours[name] = (_rgb(text), _rgb(variables[variable[1]] if variable else background))
    return colours


def _luminance(rgb: tuple) -> float:
    def channel(value: int) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(value) for value in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: tuple, second: tuple) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize(
    "states, colour_of",
    [(State, state_colour), (NoticeState, notice_colour), (ObjectionState, objection_colour)],
    ids=["application", "notice", "objection"],
)
def test_each_state_has_its_own_readable_badge(states, colour_of):
    colours = badge_colours()
    chosen = {state: colour_of(state) for state in states.values}
    assert len(set(chosen.values())) == len(chosen), chosen
    for state, name in chosen.items():
        text, background = colours[name]
        assert contrast(text, background) >= 4.5, (state, name)


def test_submitted_and_awaiting_approval_differ():
    assert state_colour(State.SUBMITTED) != state_colour(State.AWAITING_APPROVAL)
