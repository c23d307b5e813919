from django import template
from django.utils.translation import gettext as _

from records import completion
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
