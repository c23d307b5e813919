from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import User


@shared_task(name="accounts.send_invitation")
def send_invitation(user_id: int, invited_by_id: int) -> bool:
    """Invite a colleague registered by a coordinator to set their password."""
    user = User.objects.filter(pk=user_id).first()
    inviter = User.objects.filter(pk=invited_by_id).first()
    if user is None or user.has_usable_password():
        return False  # gone, or already set a password: nothing to do on a second run
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    with translation.override(user.preferred_language or "ja"):
        context = {"user": user, "inviter": inviter, "link": settings.SITE_URL + path}
        subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
        body = render_to_string("accounts/email/invitation.txt", context)
    send_mail(subject, body, None, [user.email])
    return True
