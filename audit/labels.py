"""What each action code means, for the trail's pages and exports (Japanese first).

A code without a label here is shown as it is (a new action still appears in the trail);
add its label when you add the action.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.dates import list_join

ACTION_LABELS = {
    "registration.approve": _("Registration approved"),
    "registration.decline": _("Registration declined"),
    "registration.waitlist": _("Moved to the waitlist"),
    "registration.promote": _("Moved up from the waitlist"),
    "registration.cancel": _("Registration cancelled"),
    "registration.create_for": _("Registered by a coordinator"),
    "registration.transfer": _("Seat transferred"),
    "registration.undo": _("Decision undone"),
    "attendance.mark": _("Attendance marked"),
    "attendance.check_in": _("Checked in"),
    "attendance.import": _("Zoom report imported"),
    "attendance.import_link": _("Zoom name linked to a registrant"),
    "attendance.import_dismiss": _("Zoom name dismissed"),
    "export.registrations": _("Registrations downloaded"),
    "export.reception_roster": _("Reception roster downloaded (PDF)"),
    "export.form_answers": _("Form answers downloaded"),
    "export.fiscal_year_report": _("Fiscal-year report downloaded"),
    "export.audit_trail": _("Audit trail downloaded"),
    "export.group_list": _("Group list downloaded"),
    "export.zoom_breakout": _("Zoom breakout file downloaded"),
    "download.sheet_file": _("Sheet file downloaded"),
    "sheet.edit": _("Sheet edited"),
    "sheet.submit": _("Sheet submitted"),
    "membership.grant": _("Role granted"),
    "membership.change": _("Role changed"),
    "membership.revoke": _("Role removed"),
    "membership.approve": _("Membership approved"),
    "membership.decline": _("Membership declined"),
    "membership.invite": _("Invited to an organization"),
    "membership.accept_invitation": _("Invitation accepted"),
    "membership.refuse_invitation": _("Invitation refused"),
    "organization.create": _("Organization created"),
    "organization.domain_add": _("Verified domain added"),
    "organization.domain_remove": _("Verified domain removed"),
    "user.privileges": _("Administrator rights changed"),
    "event.create": _("Event created"),
    "event.copy": _("Next session created"),
    "event.edit": _("Event edited"),
    "event.publish": _("Event published"),
    "event.cancel": _("Event cancelled"),
    "event.invitees": _("Invitation list changed"),
    "announcement.send": _("Announcement sent"),
    "certificate.issue": _("Certificate issued"),
    "certificate.issue_bulk": _("Certificates issued"),
    "certificate.issue_override": _("Certificate issued by exception"),
    "certificate.reissue": _("Certificate reissued"),
    "certificate.revoke": _("Certificate revoked"),
    "groups.generate": _("Groups generated"),
    "groups.lock": _("Groups locked"),
    "groups.move": _("Person moved between groups"),
    "groups.profiles": _("Group profiles changed"),
    "groups.rule_add": _("Grouping rule added"),
    "groups.rule_remove": _("Grouping rule removed"),
    "account.delete": _("Account deleted"),
    "privacy.purge": _("Data past its retention period deleted"),
    "material.add": _("Material added"),
    "material.remove": _("Material removed"),
    "mfa.totp_added": _("Authenticator app set up"),
    "mfa.totp_removed": _("Authenticator app removed"),
    "mfa.webauthn_added": _("Security key registered"),
    "mfa.webauthn_removed": _("Security key removed"),
    "mfa.recovery_codes_added": _("Recovery codes created"),
    "mfa.recovery_codes_removed": _("Recovery codes removed"),
    "mfa.recovery_codes_regenerated": _("Recovery codes renewed"),
    "mfa.reset": _("Two-factor sign-in reset by an administrator"),
}


def action_label(code: str) -> str:
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def _plain(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list | tuple):
        return list_join(_plain(v) for v in value) or "—"
    if isinstance(value, dict):
        return list_join(f"{k}: {_plain(v)}" for k, v in value.items())
    return str(value)


def change_lines(changes: dict) -> list[str]:
    """ "field: before → after" for each changed field."""
    lines = []
    for field, pair in (changes or {}).items():
        if isinstance(pair, list | tuple) and len(pair) == 2:
            lines.append(f"{field}: {_plain(pair[0])} → {_plain(pair[1])}")
        else:
            lines.append(f"{field}: {_plain(pair)}")
    return lines


def detail_lines(details: dict) -> list[str]:
    return [f"{key}: {_plain(value)}" for key, value in (details or {}).items()]
