"""Working days in China: weekends and statutory holidays do not count; adjusted working
Saturdays and Sundays (调休) do.

Sources, in order: the administrator's table (CalendarDay: for years the chinese-calendar
package does not know yet, or corrections), then chinese-calendar, then — for a day neither
knows — the plain week (Monday to Friday), which is reported so the notice can say so.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar

from cases.models import CalendarDay, DayKind


@dataclass
class Period:
    start: date
    end: date
    guessed_days: list[date] = field(default_factory=list)  # counted by weekday only

    @property
    def fully_known(self) -> bool:
        return not self.guessed_days


class WorkingDays:
    """Answers 'is this a working day?' with the administrator's table loaded once."""

    def __init__(self, first: date, last: date):
        self.overrides = dict(
            CalendarDay.objects.filter(day__range=(first, last)).values_list("day", "kind")
        )

    def is_working(self, day: date) -> tuple[bool, bool]:
        """(working?, known?)."""
        override = self.overrides.get(day)
        if override is not None:
            return override == DayKind.WORKDAY, True
        try:
            return chinese_calendar.is_workday(day), True
        except NotImplementedError:
            return day.weekday() < 5, False


def notice_period(*, start: date, working_days: int) -> Period:
    """The period that begins on `start` (counted if it is a working day) and ends on its
    `working_days`-th working day."""
    if not 1 <= working_days <= 366:
        raise ValueError("working_days must be between 1 and 366")
    # Every run of working days fits in twice its length plus the longest holiday (Spring
    # Festival: 9 days) plus slack; load the administrator's days for that window once.
    calendar = WorkingDays(start, start + timedelta(days=working_days * 2 + 30))
    period = Period(start=start, end=start)
    day, counted = start, 0
    while True:
        working, known = calendar.is_working(day)
        if not known:
            period.guessed_days.append(day)
        if working:
            counted += 1
            if counted == working_days:
                period.end = day
                return period
        day += timedelta(days=1)
