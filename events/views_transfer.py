"""代理出席: the page that passes a confirmed seat to a colleague (events/transfers.py)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.normalize import normalize_email
from events import transfers
from events.models import Registration
from events.permissions import can_manage_event
from events.services import RegistrationError


class TransferForm(forms.Form):
    email = forms.CharField(
        label=gettext_lazy("Your colleague's email address"),
        max_length=254,
        help_text=gettext_lazy(
            "A colleague of the same organization (or one of its departments) with an account."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def clean_email(self):
        # Typed with the IME in full-width: ｊｉｒｏ＠… is the same address.
        email = normalize_email(self.cleaned_data["email"])
        forms.EmailField().clean(email)
        return email


@login_required
def transfer(request, pk: int, registration_id: int):
    registration = get_object_or_404(
        Registration.objects.select_related("event", "user", "organization"), pk=registration_id, event_id=pk
    )
    if not transfers.can_transfer(request.user, registration):
        raise PermissionDenied
    event = registration.event
    form = TransferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        colleague = transfers.find_colleague(registration, form.cleaned_data["email"])
        try:
            substitute = transfers.transfer(registration, to=colleague, by=request.user)
        except RegistrationError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request,
                _("The seat now belongs to %(name)s, who receives the invitation.")
                % {"name": substitute.user.full_name},
            )
            if can_manage_event(request.user, event):
                return redirect(reverse("events:registrations", args=[event.pk]))
            return redirect(event.get_absolute_url())
    return render(
        request, "events/transfer.html", {"event": event, "registration": registration, "form": form}
    )
