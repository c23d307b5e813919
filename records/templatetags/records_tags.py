import base64

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from records import completion
from records.casebook import charts
from records.certificates import certificates_of

register = template.Library()


@register.filter
def rule_lines(rule) -> list[str]:
    """The rule in sentences, as the completion page and the rule form's summary say it."""
    sessions = completion.sessions_of(series=rule.series, event=rule.event)
    if rule.min_sessions:
        lines = [
            _("Attend at least %(n)s of the %(total)s sessions.")
            % {"n": rule.min_sessions, "total": len(sessions)}
        ]
    else:
        lines = [_("Attend every session (%(total)s).") % {"total": len(sessions)}]
    if rule.min_minutes:
        lines.append(_("At least %(minutes)s minutes in each of them.") % {"minutes": rule.min_minutes})
    if rule.require_questionnaire:
        lines.append(_("Answer the questionnaire of each of them."))
    if rule.require_prework:
        lines.append(_("Submit the pre-work sheet of each of them."))
    return lines


@register.simple_tag
def session_label(event) -> str:
    return completion.session_label(event)


@register.simple_tag
def my_certificates(user):
    """The signed-in person's certificates, newest first (for "My events")."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(certificates_of(user))


@register.filter
def css_string(value) -> str:
    """Text for inside a CSS string in a <style> block: quotes, backslashes, newlines
    and '<' escaped the CSS way (HTML entities mean nothing inside <style>)."""
    out = []
    for ch in str(value or ""):
        if ch in '"\\' or ch in "<>\n\r\f" or ord(ch) < 32:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return mark_safe("".join(out))


@register.simple_tag
def chart_data_uri(chart) -> str:
    """A questionnaire chart of the casebook as a PNG data URI."""
    return "data:image/png;base64," + base64.b64encode(charts.bar_chart(chart.title, chart.rows)).decode()
