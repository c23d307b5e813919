from __future__ import annotations

from celery import shared_task


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
