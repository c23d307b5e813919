from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from accounts import mfa, services
from accounts.forms import ProfileForm


@login_required
def profile(request):
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=request.user)
        if form.is_valid():
            services.update_profile(user=request.user, data=form.cleaned_data)
            messages.success(request, _("Your profile was saved."))
            response = redirect("accounts:profile")
            response.set_cookie("django_language", request.user.preferred_language, samesite="Lax")
            return response
    else:
        form = ProfileForm(instance=request.user)
    memberships = request.user.memberships.select_related("organization__parent")
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "memberships": memberships, "mfa_required": mfa.requires_mfa(request.user)},
    )


@require_POST
def switch_language(request):
    """The header's language switch; a signed-in person keeps the choice."""
    response = set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in ("ja", "en"):
        services.update_profile(user=request.user, data={"preferred_language": language})
    return response
