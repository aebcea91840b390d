"""Notice periods in working days (cases.services.notice_period_end is the one place)."""

from datetime import date

import pytest

from cases.calendar import notice_period
from cases.models import CalendarDay, DayKind
from cases.services import notice_period_end

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("start", "days", "end"),
    [
        (date(2026, 3, 2), 5, date(2026, 3, 6)),  # an ordinary week, Monday to Friday
        (date(2026, 3, 5), 5, date(2026, 3, 11)),  # over a weekend
        (date(2026, 3, 7), 1, date(2026, 3, 9)),  # starts on a Saturday: Monday is day one
        # Spring Festival 2026: 15–23 February off, Saturday 14 February worked (调休).
        (date(2026, 2, 11), 5, date(2026, 2, 24)),
        (date(2026, 2, 13), 2, date(2026, 2, 14)),
        # National Day 2026: 1–7 October off; Sunday 20 September and Saturday 10 October worked.
        (date(2026, 9, 28), 5, date(2026, 10, 9)),
        (date(2026, 9, 18), 2, date(2026, 9, 20)),
    ],
)
def test_holidays_do_not_count_and_adjusted_working_days_do(start, days, end):
    assert notice_period_end(start=start, working_days=days) == end


def test_a_notice_starting_on_2026_12_28_works_with_the_seeded_new_year():
    period = notice_period(start=date(2026, 12, 28), working_days=5)
    # 28–31 December count; 1 January 2027 is a holiday from the seeded table; 2027 has no
    # official schedule yet, so its weekend and Monday are counted by weekday and reported.
    assert period.end == date(2027, 1, 4)
    assert period.guessed_days == [date(2027, 1, 2), date(2027, 1, 3), date(2027, 1, 4)]
    assert not period.fully_known


def test_a_year_with_no_data_counts_weekdays_and_never_crashes():
    CalendarDay.objects.all().delete()
    period = notice_period(start=date(2031, 6, 2), working_days=5)
    assert period.end == date(2031, 6, 6)
    assert len(period.guessed_days) == 5


def test_the_administrators_table_adds_holidays_and_working_days():
    CalendarDay.objects.create(day=date(2027, 2, 8), kind=DayKind.HOLIDAY, name="春节")
    CalendarDay.objects.create(day=date(2027, 2, 6), kind=DayKind.WORKDAY, name="春节调休")
    period = notice_period(start=date(2027, 2, 5), working_days=3)
    assert period.end == date(2027, 2, 9)  # 5th, Saturday 6th (worked), skip 8th, 9th
    assert date(2027, 2, 6) not in period.guessed_days
    assert date(2027, 2, 8) not in period.guessed_days


def test_known_years_are_fully_known():
    assert notice_period(start=date(2026, 2, 11), working_days=5).fully_known
