from __future__ import annotations

import logging
from functools import partial

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.normalize import normalize_email
from accounts.tasks import send_account_mail
from core.http import client_ip
from core.tasks import publish

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        return super().clean_email(normalize_email(email))

    def get_client_ip(self, request) -> str:
        # Rate limits count per client, not per proxy (TRUSTED_PROXY_COUNT, core/http.py).
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render here (the request has the site and language), send from a Celery worker.

        Sign-up verification and password reset mails leave the web request like every
        other mail; they are enqueued only after the transaction that made them commits.
        """
        from allauth.core import context as allauth_context
        from django.contrib.sites.shortcuts import get_current_site

        request = allauth_context.request
        message = self.render_mail(
            template_prefix,
            email,
            {"request": request, "email": email, "current_site": get_current_site(request), **context},
        )
        payload = {
            "subject": message.subject,
            "body": message.body,
            "from_email": message.from_email,
            "to": list(message.to),
            "html": next((c for c, mime in getattr(message, "alternatives", []) if mime == "text/html"), ""),
            "content_subtype": getattr(message, "content_subtype", "plain"),
        }
        transaction.on_commit(partial(_enqueue, payload))


def _enqueue(payload: dict) -> None:
    if not publish(send_account_mail, payload):
        # The broker is down: a person waiting for their sign-up link must still get it.
        logger.warning("broker unavailable; sending the account mail from this process")
        send_account_mail(payload)
