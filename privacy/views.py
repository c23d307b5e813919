"""A person's own data (download a copy, delete the account), the privacy page, and the
administrators' retention page. Views parse input and call one service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts import lifecycle
from privacy.forms import DeleteAccountForm


@login_required
def mine(request):
    """Your data: what is kept, a copy to download, and deleting the account."""
    return render(request, "privacy/mine.html", {})


@login_required
def delete_account(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        lifecycle.pseudonymize(request.user, by=request.user, reason="the person, from their profile")
        logout(request)
        return render(request, "privacy/deleted.html", {})
    if request.method == "POST":
        messages.error(request, _("Your account was not deleted: see the fields marked below."))
    return render(request, "privacy/delete.html", {"form": form}, status=400 if form.errors else 200)
