"""Organizer pages for an event's mail, calendar files and feeds, and the opt-out link.

Views parse input and call one service; no view sends mail (Celery does).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Organization, User
from events.models import Event, EventSeries, Registration
from events.permissions import can_manage_event, event_manager_required
from notifications import announcements, feeds, ical, outbox, preferences, reminders, selectors
from notifications.forms import AnnouncementForm, ReminderRuleForm
from notifications.mail import read_unsubscribe_token
from notifications.models import Outbox

FAILED_SHOWN = 100
RECENT_SHOWN = 30


def _messages_page(request, event: Event, *, form=None, rule_form=None, preview=None, status=200):
    groups = announcements.announcement_groups(event)
    form = form or AnnouncementForm(groups=groups)
    rules = list(event.reminder_rules.all())
    failed = list(
        Outbox.objects.filter(event=event, status=Outbox.Status.FAILED)
        .select_related("recipient")
        .order_by("-updated_at", "-id")[:FAILED_SHOWN]
    )
    recent = list(
        Outbox.objects.filter(event=event)
        .exclude(status=Outbox.Status.FAILED)
        .select_related("recipient")
        .order_by("-updated_at", "-id")[:RECENT_SHOWN]
    )
    context = {
        "event": event,
        "counts": selectors.status_counts(event),
        "failed": failed,
        "recent": recent,
        "form": form,
        "rule_form": rule_form or ReminderRuleForm(),
        "rules": rules,
        "plan": reminders.reminder_plan(event, rules),
        "preview": preview,
    }
    return render(request, "notifications/event_messages.html", context, status=status)


@event_manager_required
def event_messages(request: HttpRequest, event: Event) -> HttpResponse:
    return _messages_page(request, event)


@require_POST
@event_manager_required
def announce(request: HttpRequest, event: Event) -> HttpResponse:
    """Two steps: 'preview' shows the mail and who gets it; 'send' writes the messages."""
    form = AnnouncementForm(request.POST, groups=announcements.announcement_groups(event))
    if not form.is_valid():
        return _messages_page(request, event, form=form, status=400)
    data = form.cleaned_data
    if request.POST.get("action") != "send":
        rendered = announcements.render_announcement_preview(
            event, subject=data["subject"], body=data["body"], recipient=request.user
        )
        # The nonce is fixed now, so the send button below can be pressed twice safely.
        # The form below is for editing: it carries no nonce, so every preview gets a new one.
        bound = AnnouncementForm(
            initial={k: data[k] for k in ("group", "subject", "body")},
            groups=announcements.announcement_groups(event),
        )
        preview = {
            "rendered": rendered,
            "audience": announcements.audience(event, data["group"]),
            "group_label": dict(announcements.announcement_groups(event)).get(data["group"], ""),
            "data": data,
        }
        return _messages_page(request, event, form=bound, preview=preview)
    try:
        ids = announcements.announce(
            event=event,
            by=request.user,
            group=data["group"],
            subject=data["subject"],
            body=data["body"],
            nonce=data["nonce"],
        )
    except announcements.NotificationError as error:
        form.add_error(None, str(error))
        return _messages_page(request, event, form=form, status=400)
    if ids:
        messages.success(
            request, _("The announcement is being sent to %(count)s people.") % {"count": len(ids)}
        )
    else:
        messages.warning(request, _("This announcement has already been sent; it was not sent again."))
    return redirect("notifications:event_messages", event.pk)


@require_POST
@event_manager_required
def reminder_rules(request: HttpRequest, event: Event) -> HttpResponse:
    current = [(key_offset, unit) for key_offset, unit in _effective_rules(event)]
    if request.POST.get("remove"):
        remove = request.POST["remove"]
        rules = [(o, u) for o, u in current if f"{o}:{u}" != remove]
        reminders.set_reminder_rules(event, by=request.user, rules=rules)
        messages.success(request, _("The reminder was removed. Pending reminders have been rescheduled."))
        return redirect("notifications:event_messages", event.pk)
    rule_form = ReminderRuleForm(request.POST)
    if not rule_form.is_valid():
        return _messages_page(request, event, rule_form=rule_form, status=400)
    new = (rule_form.cleaned_data["offset"], rule_form.cleaned_data["unit"])
    if new in current:
        rule_form.add_error("offset", _("This reminder is already set."))
        return _messages_page(request, event, rule_form=rule_form, status=400)
    reminders.set_reminder_rules(event, by=request.user, rules=[*current, new])
    messages.success(request, _("The reminder was added. Pending reminders have been rescheduled."))
    return redirect("notifications:event_messages", event.pk)


def _effective_rules(event: Event) -> list[tuple[int, str]]:
    rules = [(r.offset, r.unit) for r in event.reminder_rules.all()]
    return rules or [(o, str(u)) for o, u in reminders.DEFAULT_REMINDERS]


@require_POST
@login_required
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(Outbox.objects.select_related("event"), pk=pk)
    if message.event is None or not can_manage_event(request.user, message.event):
        raise PermissionDenied
    message = outbox.resend(message, by=request.user)
    if message.status == Outbox.Status.FAILED:
        messages.error(request, _("This message could not be queued again."))
    else:
        messages.success(request, _("The message is queued and will be sent again shortly."))
    return redirect("notifications:event_messages", message.event_id)


# --- calendar files and feeds --------------------------------------------------------------


def _ics_response(body: bytes | str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A person's own events (and join details): never kept by a cache on the way.
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def event_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """'Add to calendar': the person's own entry (with join URL) if confirmed, else the public one."""
    event = get_object_or_404(Event.objects.prefetch_related("program_items"), pk=pk)
    user = request.user
    if event.status == Event.Status.DRAFT and not (user.is_authenticated and can_manage_event(user, event)):
        raise Http404
    confirmed = (
        user.is_authenticated and Registration.objects.confirmed().filter(event=event, user=user).exists()
    )
    body = ical.feed(
        [event],
        name=event.display_title,
        user=user if confirmed else None,
        include_join_for={event.pk} if confirmed else frozenset(),
    )
    return _ics_response(body, f"event-{event.pk}.ics")


@require_GET
def personal_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The secret webcal URL: this person's confirmed events, with their join URLs."""
    user = User.objects.filter(calendar_token=token, is_active=True).first()
    if user is None:
        raise Http404
    registrations = list(feeds.personal_feed_registrations(user))
    events = [r.event for r in registrations]
    body = ical.feed(
        events,
        name=_("Tsunagu: my events"),
        user=user,
        include_join_for={e.pk for e in events},
    )
    return _ics_response(body, "tsunagu.ics")


@require_GET
def series_feed(request: HttpRequest, pk: int) -> HttpResponse:
    series = get_object_or_404(EventSeries, pk=pk)
    events = feeds.public_events(series_id=series.pk)
    return _ics_response(ical.feed(events, name=series.title), f"series-{series.pk}.ics")


@require_GET
def organization_feed(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=pk)
    events = feeds.public_events(organization_id=organization.pk)
    return _ics_response(
        ical.feed(events, name=organization.display_name), f"organization-{organization.pk}.ics"
    )


def webcal_url(request: HttpRequest, user: User) -> str:
    url = request.build_absolute_uri(reverse("notifications:personal_feed", args=[user.calendar_token]))
    return "webcal://" + url.split("://", 1)[1]


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "notifications/calendar.html",
        {
            "webcal_url": webcal_url(request, request.user),
            "https_url": request.build_absolute_uri(
                reverse("notifications:personal_feed", args=[request.user.calendar_token])
            ),
        },
    )


@require_POST
@login_required
def renew_unsubscribe_links(request: HttpRequest) -> HttpResponse:
    preferences.renew_unsubscribe_links(request.user)
    messages.success(
        request,
        _(
            "The unsubscribe links in the mail you received before no longer work. Mail from now on "
            "carries new ones."
        ),
    )
    return redirect("accounts:profile")


@require_POST
@login_required
def renew_calendar_token(request: HttpRequest) -> HttpResponse:
    preferences.renew_calendar_token(request.user)
    messages.success(
        request,
        _(
            "Your calendar address was renewed. The old address no longer works; subscribe again with the new one."
        ),
    )
    return redirect("notifications:calendar")


# --- opting out -----------------------------------------------------------------------------


@csrf_exempt  # RFC 8058 one-click: mail clients POST without a session; the signed token is the proof
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = read_unsubscribe_token(token)
    user = User.objects.filter(pk=found[0]).first() if found else None
    if user is not None and not constant_time_compare(found[1], user.unsubscribe_key):
        user = None  # a link from before the person renewed their links
    if user is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        preferences.unsubscribe(user)
        return render(request, "notifications/unsubscribe.html", {"done": True, "person": user})
    # GET only asks: link scanners in mail gateways open every link.
    return render(request, "notifications/unsubscribe.html", {"person": user})
