"""/admin/login/ goes through the site's sign-in (allauth), with its rate limits.

Django's admin has its own login form with no limit on wrong passwords; a superuser's
account is the one most worth guessing. So the admin's login URL only redirects to
allauth's login page (per-address and per-account limits, the same messages), and back
to the admin afterwards. A signed-in person without staff rights is sent to the home page
with a message (the admin sends them here; the sign-in page would send them back).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _


def admin_login(request):
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
    target = target or reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return redirect(target)
        messages.error(request, _("This account cannot open the administration pages."))
        return redirect("home")
    return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")
