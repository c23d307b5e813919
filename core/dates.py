"""Dates as people here write them: 2022年1月25日（火）15:00〜17:00.

English users get the same information in their own order:
Tue 25 Jan 2022, 15:00–17:00.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone, translation

_WEEKDAYS_JA = "月火水木金土日"
_WEEKDAYS_EN = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def _english() -> bool:
    return (translation.get_language() or "ja").startswith("en")


def format_date(value: date | datetime | None, *, weekday: bool = True) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    if _english():
        text = f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"
        return f"{_WEEKDAYS_EN[value.weekday()]} {text}" if weekday else text
    text = f"{value.year}年{value.month}月{value.day}日"
    return f"{text}（{_WEEKDAYS_JA[value.weekday()]}）" if weekday else text


def format_time(value: datetime | None) -> str:
    if value is None:
        return ""
    value = _local(value)
    return f"{value.hour}:{value.minute:02d}" if not _english() else f"{value:%H:%M}"


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    sep = ", " if _english() else " "
    return f"{format_date(value)}{sep}{format_time(value)}"


def format_range(start: datetime | None, end: datetime | None) -> str:
    """2022年1月25日（火）15:00〜17:00; a range over several days names both days."""
    if start is None:
        return ""
    if end is None:
        return format_datetime(start)
    dash = "–" if _english() else "〜"
    sep = ", " if _english() else ""
    if _local(start).date() == _local(end).date():
        return f"{format_date(start)}{sep}{format_time(start)}{dash}{format_time(end)}"
    return f"{format_datetime(start)}{dash}{format_datetime(end)}"


def fiscal_year(value: date | datetime) -> int:
    """年度: April to March. 2022年3月 belongs to 2021年度."""
    if isinstance(value, datetime):
        value = _local(value).date()
    return value.year if value.month >= 4 else value.year - 1


def reiwa(year: int) -> str:
    """2021 → 令和3; 2019 is 令和元."""
    number = year - 2018
    return "令和元" if number == 1 else f"令和{number}"


def format_fiscal_year(year: int) -> str:
    if _english():
        return f"FY{year} (Reiwa {year - 2018})"
    return f"{year}年度（{reiwa(year)}年度）"


# --- punctuation: Japanese pages use 全角 brackets and 、, English ones their own -----------


def paren(value) -> str:
    """（value） on a Japanese page, " (value)" on an English one."""
    if value in (None, ""):
        return ""
    return f" ({value})" if _english() else f"（{value}）"


def list_join(values) -> str:
    """a、b、c on a Japanese page, "a, b, c" on an English one."""
    return (", " if _english() else "、").join(str(v) for v in values)


def lenticular(value) -> str:
    """【value】 on a Japanese page, "[value] " on an English one (the casebook's 【第1回】)."""
    if value in (None, ""):
        return ""
    return f"[{value}] " if _english() else f"【{value}】"
