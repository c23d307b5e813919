from django import template

from core import dates

register = template.Library()


@register.filter
def jdate(value):
    return dates.format_date(value)


@register.filter
def jtime(value):
    return dates.format_time(value)


@register.filter
def jdatetime(value):
    return dates.format_datetime(value)


@register.simple_tag
def jrange(start, end):
    return dates.format_range(start, end)


@register.filter
def fiscal_year_label(year):
    return dates.format_fiscal_year(int(year))


@register.filter
def percent(value, digits=0):
    if value is None:
        return "—"
    return f"{value * 100:.{int(digits)}f}%"


@register.filter
def paren(value):
    """（…） in Japanese, " (…)" in English."""
    return dates.paren(value)


@register.filter
def list_join(values):
    """、 in Japanese, ", " in English."""
    return dates.list_join(values)


@register.filter
def lenticular(value):
    """【…】 in Japanese, "[…] " in English."""
    return dates.lenticular(value)
