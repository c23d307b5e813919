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
