"""Celery tasks: they take ids, re-read the rows and are safe to run twice."""

from __future__ import annotations

import logging

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from celery import shared_task
from django.conf import settings
from django.urls import reverse

from accounts.models import User
from notifications import delivery, services
from notifications.models import Outbox

logger = logging.getLogger(__name__)


@shared_task(name="notifications.send_outbox_message", ignore_result=True)
def send_outbox_message(message_id: int) -> str:
    """Send one row after the commit that wrote it; a no-op if another worker has it."""
    result = delivery.send_one(message_id)
    if result.sent:
        return "sent"
    if result.retrying or result.failed:
        return "failed"
    return "skipped"


@shared_task(name="notifications.dispatch_due", ignore_result=True)
def dispatch_due() -> int:
    """Every minute: what is due (reminders, retries) or stuck (expired lease)."""
    result = delivery.dispatch_due()
    if result.sent or result.failed or result.retrying:
        logger.info(
            "outbox: %s sent, %s retrying, %s failed, %s withdrawn",
            len(result.sent),
            len(result.retrying),
            len(result.failed),
            len(result.withdrawn),
        )
    return len(result.sent)


@shared_task(name="notifications.schedule_reminders", ignore_result=True)
def schedule_reminders() -> int:
    """The safety net for reminders, and the pre-work and questionnaire mails."""
    from notifications.surveys_bridge import survey_mails

    return services.reconcile_reminders() + survey_mails()


@shared_task(name="notifications.schedule_registration_reminders", ignore_result=True)
def schedule_registration_reminders(registration_id: int) -> int:
    """After a confirmation commits: this person's reminders (idempotent by dedupe key)."""
    return len(services.schedule_reminders_for_registration(registration_id))


@shared_task(name="notifications.send_invitation", ignore_result=True)
def send_invitation(user_id: int, invited_by_id: int) -> bool:
    """Invite a colleague registered by a coordinator to set their password.

    The mail goes through the outbox like every other: one row per person (the dedupe
    key makes a redelivered task harmless), sent at once and retried by the
    dispatcher if the mail server is down.
    """
    user = User.objects.filter(pk=user_id).first()
    inviter = User.objects.filter(pk=invited_by_id).first()
    if user is None or user.has_usable_password():
        return False  # gone, or already set a password: nothing to do on a second run
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    ids = services.write(
        [
            services.Spec(
                recipient=user,
                kind=Outbox.Kind.INVITATION,
                dedupe_key=f"{Outbox.Kind.INVITATION}:{user.pk}",
                context={"user": user, "inviter": inviter, "link": settings.SITE_URL + path},
            )
        ],
        kick=False,  # this task is already running in a worker: send right here
    )
    for row_id in ids:
        delivery.send_one(row_id)
    return bool(ids)
