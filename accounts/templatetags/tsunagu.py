from pathlib import Path

from django import template
from django.contrib.staticfiles import finders
from django.utils.safestring import mark_safe

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


@register.simple_tag
def inline_static(path):
    """A static CSS file's text, for HTML that WeasyPrint turns into a PDF (that HTML never
    reaches a browser, so the CSP does not apply; pages link the same file instead)."""
    found = finders.find(path)
    if not found:
        raise template.TemplateSyntaxError(f"inline_static: no static file {path!r}")
    return mark_safe(Path(found).read_text(encoding="utf-8"))
