"""Who may open each route, with the objects of another organization in its URL.

One entry per URL name. A route with no entry is treated as "only its owner" (deny for
every non-owner) and test_every_route_is_classified fails until someone adds it here:
adding a view means deciding, in this table, who may reach it.

Personas: anonymous; participant (registered for the event, same municipality);
other_participant, other_coordinator, other_organizer (苫小牧市); reviewer (the sponsor,
reads across municipalities, changes nothing); owner (organizer of 草加市, the host).
"""

from __future__ import annotations

from dataclasses import dataclass, field

EVERYONE = frozenset(
    {
        "anonymous",
        "participant",
        "other_participant",
        "other_coordinator",
        "other_organizer",
        "reviewer",
        "owner",
        "pending",  # signed up naming 草加市, not approved: an individual participant
    }
)
SIGNED_IN = EVERYONE - {"anonymous"}
OWNER = frozenset({"owner"})
OWNER_AND_REVIEWER = frozenset({"owner", "reviewer"})
ORGANIZERS = frozenset({"owner", "other_organizer"})  # their own lists and "new" forms
COORDINATORS = frozenset({"other_coordinator"})  # (the owner is an organizer, not a coordinator)
NOBODY = frozenset()
# Organizers and reviewers must use two-factor sign-in, so they have an authenticator app.
MFA_USERS = frozenset({"owner", "other_organizer", "reviewer"})


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    params: dict = field(default_factory=dict)  # URL parameter → World.objects key / attribute path
    why: str = ""
    # Changes only the signed-in person's own data (their registration, profile, password):
    # a reviewer may do it for themselves, and it is no breach of "reviewers change nothing".
    self_service: bool = False
    # What to POST when no page of the owner shows the form; "{name}" is the id of World's name.
    post: dict | None = None
    csrf_exempt: str = ""  # why this route takes a POST without a CSRF token (empty: it must not)


DEFAULT = Rule(OWNER, why="not classified: only the owner")

# Defaults for URL parameters by name; a rule's `params` overrides them for its route.
# A name refers to an object of the World (tests/security/world.py); "=x" is the literal x.
PARAMS = {
    "pk": "event",
    "event_id": "event",
    "registration_id": "waiting",
    "action": "=cancel",
    "fmt": "=csv",
    "section_id": "section",
    "question_id": "question",
    "answer_id": "file_answer",
    "submission_id": "submission",
    "year": "year",
    "org_id": "organization",
    "token": "checkin_token",
    "key": "=not-a-real-key",
    "uidb36": "=1",
    "app_label": "=accounts",
    "object_id": "event",
    "content_type_id": "=1",
    "id": "=1",
    "url": "=nothing-here/",
    "path": "=nothing-here.txt",
}

CAPABILITY = "a capability URL: whoever holds the secret token may use it, by design"

PUBLIC_PAGE = "public information: published events and the sign-in pages"
OWN_DATA = "the signed-in person's own data"

RULES: dict[str, Rule] = {
    # --- project ---------------------------------------------------------------------------
    "home": Rule(EVERYONE, why=PUBLIC_PAGE),
    "healthz": Rule(EVERYONE, why="liveness probe for the load balancer; says only ok/failing"),
    "healthz_status": Rule(
        NOBODY, why="the operator's status page: staff, or a monitor with HEALTH_STATUS_TOKEN"
    ),
    # Anonymous: sent to the site's (rate-limited) sign-in page, which the matrix counts as
    # "deny"; signed in without staff rights: sent home with a message.
    "admin_login": Rule(SIGNED_IN, why="config/admin_login.py: the admin signs in through allauth"),
    "favicon": Rule(EVERYONE, why="a redirect to the site's icon"),
    "set_language": Rule(EVERYONE, why="Django's language switch: a cookie", self_service=True),
    "^media/(?P<path>.*)$": Rule(
        EVERYONE,
        params={"path": "media_probe"},
        why="DEBUG only (make run); uploads that are private live elsewhere",
    ),
    # --- allauth.mfa: one's own two-factor sign-in (accounts/mfa.py) ------------------------
    "mfa_index": Rule(SIGNED_IN, why=OWN_DATA, self_service=True),
    "mfa_authenticate": Rule(SIGNED_IN, why="the code step of one's own sign-in", self_service=True),
    "mfa_reauthenticate": Rule(SIGNED_IN, why=OWN_DATA, self_service=True),
    "mfa_activate_totp": Rule(SIGNED_IN, why=OWN_DATA, self_service=True),
    "mfa_deactivate_totp": Rule(
        MFA_USERS, why=OWN_DATA + "; 404 for a person with no authenticator app", self_service=True
    ),
    "mfa_generate_recovery_codes": Rule(SIGNED_IN, why=OWN_DATA, self_service=True),
    "mfa_list_webauthn": Rule(SIGNED_IN, why=OWN_DATA, self_service=True),
    "mfa_add_webauthn": Rule(SIGNED_IN, why=OWN_DATA, self_service=True),
    "mfa_reauthenticate_webauthn": Rule(SIGNED_IN, why=OWN_DATA, self_service=True),
    # First the password again (a redirect to re-authentication, counted as "allow" here);
    # then keys are looked up among the person's own only: another person's key is a 404
    # (tests/accounts/test_mfa.py tries it after re-authenticating).
    "mfa_remove_webauthn": Rule(
        SIGNED_IN, why=OWN_DATA + "; only one's own keys are found", self_service=True
    ),
    "mfa_edit_webauthn": Rule(SIGNED_IN, why=OWN_DATA + "; only one's own keys are found", self_service=True),
    "mfa_view_recovery_codes": Rule(
        NOBODY, why=OWN_DATA + "; 404 until the person has recovery codes (nobody in this world)"
    ),
    "mfa_download_recovery_codes": Rule(
        NOBODY, why=OWN_DATA + "; 404 until the person has recovery codes (nobody in this world)"
    ),
    # --- allauth: signing in, signing up, one's own e-mail and password ----------------------
    "account_login": Rule(EVERYONE, why=PUBLIC_PAGE, self_service=True),
    "account_logout": Rule(EVERYONE, why="signs out the one who asks", self_service=True),
    "account_inactive": Rule(EVERYONE, why=PUBLIC_PAGE),
    "account_signup": Rule(EVERYONE, why=PUBLIC_PAGE, self_service=True),
    "account_reauthenticate": Rule(SIGNED_IN, why=OWN_DATA, self_service=True),
    "account_request_reauthentication_code": Rule(SIGNED_IN, why=OWN_DATA, self_service=True),
    "account_confirm_reauthentication_code": Rule(SIGNED_IN, why=OWN_DATA, self_service=True),
    "account_email": Rule(SIGNED_IN, why=OWN_DATA, self_service=True),
    "account_email_verification_sent": Rule(EVERYONE, why=PUBLIC_PAGE),
    "account_change_password": Rule(SIGNED_IN, why=OWN_DATA, self_service=True),
    "account_set_password": Rule(SIGNED_IN, why=OWN_DATA, self_service=True),
    "account_reset_password": Rule(EVERYONE, why=PUBLIC_PAGE, self_service=True),
    "account_confirm_login_code": Rule(SIGNED_IN, why=OWN_DATA, self_service=True),
    "account_confirm_email": Rule(EVERYONE, why=CAPABILITY, self_service=True),
    "account_reset_password_from_key_done": Rule(EVERYONE, why=PUBLIC_PAGE),
    "account_reset_password_from_key": Rule(EVERYONE, why=CAPABILITY, self_service=True),
    "account_reset_password_done": Rule(EVERYONE, why=PUBLIC_PAGE),
    "accounts:profile": Rule(SIGNED_IN, why=OWN_DATA, self_service=True),
    "accounts:switch_language": Rule(EVERYONE, why=OWN_DATA, self_service=True),
    # --- memberships: granted by the organization, not claimed ------------------------------
    "accounts:memberships": Rule(
        SIGNED_IN, why=OWN_DATA + ": one's memberships, requests, invitations", self_service=True
    ),
    "accounts:membership_respond": Rule(
        frozenset({"pending"}),
        params={"pk": "membership_request", "answer": "=withdraw"},
        why="answers one's own request or invitation",
        self_service=True,
    ),
    "accounts:membership_requests": Rule(
        frozenset({"owner", "other_organizer", "other_coordinator"}),
        why="each organizer's and coordinator's own organizations' requests (the others' are not listed)",
    ),
    "accounts:membership_request_approve": Rule(OWNER, params={"pk": "membership_request"}),
    "accounts:membership_request_decline": Rule(OWNER, params={"pk": "membership_request"}),
    "accounts:membership_request_organization": Rule(
        OWNER, params={"pk": "membership_request"}, why="not-listed requests: administrators only"
    ),
    "accounts:organization_domains": Rule(OWNER, why="the organization's organizers and coordinators"),
    # --- events: participants ----------------------------------------------------------------
    "events:list": Rule(EVERYONE, why=PUBLIC_PAGE),
    "events:detail": Rule(EVERYONE, why=PUBLIC_PAGE + " (join URL only for registrants: see the leak test)"),
    "events:series_detail": Rule(EVERYONE, params={"pk": "series"}, why=PUBLIC_PAGE),
    "events:register": Rule(SIGNED_IN, why="anyone signed in registers themselves", self_service=True),
    "events:cancel_own": Rule(SIGNED_IN, why="cancels only one's own registration", self_service=True),
    "events:mine": Rule(SIGNED_IN, why=OWN_DATA),
    "events:transfer": Rule(
        frozenset({"participant", "owner"}),
        params={"registration_id": "registration"},
        why="the registrant, their coordinator or the event's organizer passes the seat on",
        self_service=True,
    ),
    "attendance:attendance_code": Rule(SIGNED_IN, why="records one's own attendance", self_service=True),
    "attendance:checkin": Rule(
        SIGNED_IN, why=CAPABILITY + "; records one's own attendance", self_service=True
    ),
    # --- events: organizers --------------------------------------------------------------------
    "events:manage": Rule(ORGANIZERS, why="each organizer's own list"),
    "events:series_create": Rule(ORGANIZERS, why="a new series for one's own organization"),
    "events:event_create": Rule(ORGANIZERS, why="a new event for one's own organization"),
    "events:series_edit": Rule(OWNER, params={"pk": "series"}),
    "events:manage_event": Rule(OWNER_AND_REVIEWER, why="the reviewer reads (no actions shown)"),
    "events:event_edit": Rule(OWNER),
    "events:program": Rule(OWNER),
    "events:publish": Rule(OWNER, params={"pk": "draft"}),
    "events:cancel_event": Rule(OWNER),
    "events:next_session": Rule(OWNER),
    "events:registrations": Rule(OWNER_AND_REVIEWER),
    "events:registration_action": Rule(OWNER),
    "events:export_registrations": Rule(OWNER_AND_REVIEWER),
    "events:audit_trail": Rule(OWNER, why="the event's audit trail: its organizers only (not the reviewer)"),
    "audit:trail": Rule(NOBODY, why="the whole audit trail: platform administrators (is_staff) only"),
    "audit:export": Rule(NOBODY, why="the whole audit trail: platform administrators (is_staff) only"),
    "attendance:roster": Rule(OWNER_AND_REVIEWER),
    "attendance:roster_mark": Rule(OWNER, post={"row": "{registration}:attended"}),
    "attendance:checkin_qr": Rule(OWNER),
    "attendance:zoom_import": Rule(OWNER),
    "attendance:zoom_review": Rule(OWNER),
    "attendance:reception_roster": Rule(OWNER_AND_REVIEWER),
    # --- events: coordinators register their own staff for any public event --------------------
    "events:coordinate": Rule(COORDINATORS, why="each coordinator's own organization"),
    "events:bulk_register": Rule(COORDINATORS, why="registers the coordinator's own staff only"),
    # --- surveys --------------------------------------------------------------------------------
    "surveys:add": Rule(OWNER),
    "surveys:event_forms": Rule(OWNER_AND_REVIEWER),
    "surveys:builder": Rule(OWNER, params={"pk": "form"}),
    "surveys:settings": Rule(OWNER, params={"pk": "form"}),
    "surveys:preview": Rule(OWNER, params={"pk": "form"}),
    "surveys:section_add": Rule(OWNER, params={"pk": "form"}),
    "surveys:section_edit": Rule(OWNER),
    "surveys:section_delete": Rule(OWNER),
    "surveys:section_move": Rule(OWNER),
    "surveys:question_add": Rule(OWNER),
    "surveys:question_edit": Rule(OWNER),
    "surveys:question_delete": Rule(OWNER),
    "surveys:question_move": Rule(OWNER),
    "surveys:fill": Rule(
        frozenset({"participant"}), params={"pk": "form"}, why="registrants fill their own sheet"
    ),
    "surveys:sent": Rule(frozenset({"participant"}), params={"pk": "form"}, why=OWN_DATA),
    "surveys:answer_token": Rule(
        EVERYONE, params={"token": "answer_token"}, why=CAPABILITY, self_service=True
    ),
    "surveys:file": Rule(
        frozenset({"owner", "participant", "reviewer"}),
        why="the organizer, the reviewer, and the one who uploaded it",
    ),
    "surveys:status": Rule(OWNER_AND_REVIEWER, params={"pk": "form"}),
    "surveys:submission": Rule(OWNER_AND_REVIEWER),
    "surveys:export_xlsx": Rule(OWNER_AND_REVIEWER, params={"pk": "form"}),
    "surveys:export_csv": Rule(OWNER_AND_REVIEWER, params={"pk": "form"}),
    "surveys:export_files": Rule(OWNER_AND_REVIEWER, params={"pk": "form"}),
    "surveys:results": Rule(OWNER_AND_REVIEWER, params={"pk": "questionnaire", "event_id": "held"}),
    "surveys:refresh": Rule(
        OWNER,
        params={"pk": "named_questionnaire", "event_id": "held"},
        why="recomputing is a write: not the reviewer's; never for anonymous forms (refused for all)",
    ),
    "surveys:compare": Rule(OWNER_AND_REVIEWER, params={"pk": "questionnaire", "event_id": "held"}),
    # --- group work ---------------------------------------------------------------------------
    "groupwork:manage": Rule(OWNER_AND_REVIEWER, why="the reviewer reads (no forms shown)"),
    "groupwork:generate": Rule(OWNER),
    "groupwork:profiles": Rule(OWNER),
    "groupwork:add_rule": Rule(OWNER),
    "groupwork:remove_rule": Rule(OWNER, params={"rule_id": "pair_rule"}),
    "groupwork:move": Rule(OWNER),
    "groupwork:lock": Rule(OWNER),
    "groupwork:zoom_csv": Rule(OWNER_AND_REVIEWER, why="as the registrations export"),
    "groupwork:print": Rule(OWNER_AND_REVIEWER, why="as the reception roster"),
    "groupwork:share_until": Rule(OWNER),
    "groupwork:breakdown": Rule(OWNER_AND_REVIEWER),
    "groupwork:shared_sheets": Rule(
        frozenset({"participant"}), why="members of a locked group see what their group shares with them"
    ),
    "groupwork:shared_sheet": Rule(
        frozenset({"participant"}),
        params={"submission_id": "shared_submission"},
        why="a sheet its author shared with their group: the other members only (audited)",
    ),
    "groupwork:shared_sheet_file": Rule(
        frozenset({"participant"}),
        params={"submission_id": "shared_submission", "answer_id": "shared_file_answer"},
        why="a file of a sheet shared with the group: the other members only (audited)",
    ),
    "groupwork:materials": Rule(OWNER_AND_REVIEWER, why="organizers and lecturers add; the reviewer reads"),
    "groupwork:material_remove": Rule(OWNER, params={"material_id": "material"}),
    "groupwork:questions": Rule(
        frozenset({"owner", "participant", "reviewer"}),
        why="confirmed registrants (and coordinators of participating municipalities) ask and read",
    ),
    "groupwork:questions_manage": Rule(OWNER_AND_REVIEWER),
    "groupwork:questions_arrange": Rule(OWNER),
    "groupwork:questions_publish": Rule(OWNER),
    "groupwork:questions_xlsx": Rule(OWNER_AND_REVIEWER, why="as the registrations export"),
    "groupwork:material": Rule(
        frozenset({"owner", "participant", "reviewer"}),
        params={"material_id": "material"},
        why="a material for confirmed registrants: they, the organizer and the reviewer",
    ),
    # --- notifications --------------------------------------------------------------------------
    "notifications:event_messages": Rule(OWNER),
    "notifications:announce": Rule(OWNER),
    "notifications:reminder_rules": Rule(OWNER),
    "notifications:resend": Rule(OWNER, params={"pk": "message"}),
    "notifications:event_ics": Rule(
        EVERYONE, why=PUBLIC_PAGE + " (join URL only in a registrant's own copy)"
    ),
    "notifications:calendar": Rule(SIGNED_IN, why=OWN_DATA),
    "notifications:renew_calendar_token": Rule(SIGNED_IN, why=OWN_DATA, self_service=True),
    "notifications:renew_unsubscribe_links": Rule(SIGNED_IN, why=OWN_DATA, self_service=True),
    "notifications:personal_feed": Rule(EVERYONE, params={"token": "calendar_token"}, why=CAPABILITY),
    "notifications:series_feed": Rule(EVERYONE, params={"pk": "series"}, why=PUBLIC_PAGE),
    "notifications:organization_feed": Rule(EVERYONE, params={"pk": "organization"}, why=PUBLIC_PAGE),
    "notifications:unsubscribe": Rule(
        EVERYONE,
        params={"token": "unsubscribe_token"},
        why=CAPABILITY + " (one click from the mail)",
        self_service=True,
        csrf_exempt="RFC 8058 one-click unsubscribe: mail clients POST without a session; the signed token is the proof",
    ),
    # --- reports --------------------------------------------------------------------------------
    "reports:dashboard": Rule(
        frozenset({"owner", "other_organizer", "reviewer"}),
        why="organizers see their own events' figures only",
    ),
    "reports:export": Rule(frozenset({"owner", "other_organizer", "reviewer"}), why="as the dashboard"),
    "reports:municipality": Rule(OWNER_AND_REVIEWER),
    "reports:engagement_edit": Rule(OWNER),
    "reports:event": Rule(OWNER_AND_REVIEWER),
    # --- records: completion, certificates, learning records ------------------------------------
    "records:completion": Rule(
        OWNER_AND_REVIEWER,
        params={"scope": "=series", "pk": "series"},
        why="reads like the attendance roster: the hosts and the sponsor",
    ),
    "records:rule": Rule(OWNER, params={"scope": "=series", "pk": "series"}),
    "records:issue_all": Rule(OWNER, params={"scope": "=series", "pk": "series"}),
    "records:issue_one": Rule(
        OWNER, params={"scope": "=series", "pk": "series", "user_id": "participant_user"}
    ),
    "records:revoke": Rule(OWNER, params={"number": "certificate"}),
    "records:reissue": Rule(OWNER, params={"number": "certificate"}),
    "records:certificate_pdf": Rule(
        frozenset({"owner", "participant"}),
        params={"number": "certificate"},
        why="the holder and the organizers who issued it; anyone else gets 404, as for a number that does not exist",
    ),
    "records:mine": Rule(SIGNED_IN, why=OWN_DATA),
    "records:staff": Rule(COORDINATORS, why="each coordinator's own approved members"),
    "records:staff_export": Rule(COORDINATORS, why="each coordinator's own approved members"),
    # The sponsor's yearly book: its introduction and builds are the sponsor's own work, not a
    # municipality's data (so a reviewer may write them: self_service).
    "records:casebook": Rule(frozenset({"reviewer"}), why="the sponsor compiles the yearly casebook"),
    "records:casebook_intro": Rule(
        frozenset({"reviewer"}), why="the sponsor's own introduction", self_service=True
    ),
    "records:casebook_request": Rule(
        frozenset({"reviewer"}), why="the sponsor's own book build", self_service=True
    ),
    "records:casebook_build": Rule(frozenset({"reviewer"}), params={"pk": "casebook_build"}),
    "records:casebook_download": Rule(
        frozenset({"reviewer"}), params={"pk": "casebook_build", "fmt": "=pdf"}
    ),
    "verify:lookup": Rule(EVERYONE, why="public: a form that leads to one number's page"),
    "verify:certificate": Rule(
        EVERYONE,
        params={"number": "certificate"},
        why="public verification of one number (valid/revoked/unknown); the holder's name is only checked, never shown",
    ),
    # --- privacy: one's own data, the privacy page, the administrators' retention page ----------
    "privacy:policy": Rule(EVERYONE, why="the privacy notice: public"),
    "privacy:retention": Rule(NOBODY, why="administrators (staff) only"),
    "privacy:mine": Rule(SIGNED_IN, why=OWN_DATA),
    "privacy:export_request": Rule(
        SIGNED_IN, why=OWN_DATA + " (a copy of one's own data, built in the background)", self_service=True
    ),
    "privacy:export_status": Rule(
        frozenset({"participant"}), params={"pk": "data_export"}, why=OWN_DATA + " (others get 404)"
    ),
    "privacy:export_download": Rule(
        frozenset({"participant"}), params={"pk": "data_export"}, why=OWN_DATA + " (others get 404)"
    ),
    "privacy:delete_account": Rule(
        SIGNED_IN,
        why=OWN_DATA + " (deletes only the signed-in account, after its password)",
        self_service=True,
    ),
    # --- Django admin: staff only (no persona here is staff) ------------------------------------
    "admin:*": Rule(NOBODY, why="staff only"),
    "admin:login": Rule(SIGNED_IN, why="the same path as admin_login, which answers it", self_service=True),
    "admin:logout": Rule(EVERYONE, why="signs out the one who asks", self_service=True),
}
