"""Business days as Japanese local government counts them.

Closed on Saturdays, Sundays, national holidays (祝日, including 振替休日 and 国民の休日,
which jpholiday knows) and over the new-year break 年末年始, 12月29日 to 1月3日, which is
not a national holiday but when every 役所 is shut (行政機関の休日に関する法律).
"""

from __future__ import annotations

from datetime import date, timedelta

import jpholiday


def is_year_end_break(day: date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_business_day(day: date) -> bool:
    if day.weekday() >= 5 or is_year_end_break(day):
        return False
    return not jpholiday.is_holiday(day)


def business_days_before(day: date, count: int) -> date:
    """The count-th business day before `day` (which itself does not count)."""
    if count < 1:
        raise ValueError("count must be at least 1")
    current = day
    found = 0
    while found < count:
        current -= timedelta(days=1)
        if is_business_day(current):
            found += 1
    return current
