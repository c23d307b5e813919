from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from celery import shared_task
from django.conf import settings
from django.urls import reverse

from accounts.models import User


@shared_task(name="accounts.send_invitation")
def send_invitation(user_id: int, invited_by_id: int) -> bool:
    """Invite a colleague registered by a coordinator to set their password.

    The mail goes through the outbox like every other: one row per person (the dedupe
    key makes a redelivered task harmless), sent at once and retried by the
    dispatcher if the mail server is down.
    """
    from notifications import delivery, services
    from notifications.models import Outbox

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


@shared_task(name="accounts.send_account_mail", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_account_mail(payload: dict) -> bool:
    """Verification and password-reset mail rendered by allauth in the request.

    A retry after a network error may repeat a message the server had already taken;
    these mails carry a fresh one-time link, so a second copy does no harm.
    """
    from django.core.mail import EmailMultiAlternatives

    message = EmailMultiAlternatives(
        subject=payload["subject"], body=payload["body"], from_email=payload["from_email"], to=payload["to"]
    )
    message.content_subtype = payload.get("content_subtype", "plain")
    if payload.get("html"):
        message.attach_alternative(payload["html"], "text/html")
    message.send()
    return True
