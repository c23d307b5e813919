"""Membership pages: one's own memberships, requests and invitations; the approvers'
list of pending requests; decline with a reason; the administrators' answer to "not
listed"; an organization's verified mail domains. Each view parses and calls one
service of accounts/membership.py, which checks who may do it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import membership
from accounts.forms import (
    DeclineMembershipForm,
    DomainForm,
    JoinForm,
    OrganizationForRequestForm,
    UnlistedForm,
)
from accounts.models import Membership, MembershipRequest, Organization, OrganizationDomain

Status = MembershipRequest.Status


@login_required
def memberships(request):
    join_form = JoinForm(prefix="join")
    unlisted_form = UnlistedForm(prefix="unlisted")
    if request.method == "POST" and "join-organization" in request.POST:
        join_form = JoinForm(request.POST, prefix="join")
        if join_form.is_valid():
            result = membership.request_membership(
                user=request.user,
                organization=join_form.cleaned_data["organization"],
                source=MembershipRequest.Source.PROFILE,
            )
            if result is None or result.status == Status.APPROVED:
                messages.success(request, _("You are a member of this organization."))
            else:
                messages.success(
                    request, _("Your request was sent. A coordinator of the organization will answer it.")
                )
            return redirect("accounts:memberships")
    elif request.method == "POST" and "unlisted-name" in request.POST:
        unlisted_form = UnlistedForm(request.POST, prefix="unlisted")
        if unlisted_form.is_valid():
            data = unlisted_form.cleaned_data
            membership.request_unlisted(
                user=request.user,
                name=data["name"],
                kind=data["kind"],
                prefecture=data["prefecture"],
                note=data["note"],
            )
            messages.success(request, _("Your request was sent to the platform administrators."))
            return redirect("accounts:memberships")
    granted = Membership.objects.filter(user=request.user).select_related("organization__parent__parent")
    return render(
        request,
        "accounts/memberships.html",
        {
            "granted": granted,
            "requests": membership.own_requests(request.user),
            "join_form": join_form,
            "unlisted_form": unlisted_form,
        },
    )


@require_POST
@login_required
def respond(request, pk, answer):
    """The person's own answer: accept or decline an invitation, withdraw a request."""
    item = get_object_or_404(MembershipRequest, pk=pk, user=request.user)
    try:
        if answer == "accept":
            membership.accept_invitation(item, by=request.user)
            messages.success(
                request,
                _("You are now a member of %(organization)s.") % {"organization": item.organization_label},
            )
        elif answer == "decline":
            membership.decline_invitation(item, by=request.user)
            messages.success(request, _("The invitation was declined."))
        elif answer == "withdraw":
            membership.withdraw(item, by=request.user)
            messages.success(request, _("Your request was withdrawn."))
        else:
            raise PermissionDenied
    except membership.MembershipError as error:
        messages.error(request, str(error))
    return redirect("accounts:memberships")


def _require_decider(user) -> None:
    if membership.manageable_org_ids(user) == set():
        raise PermissionDenied


@login_required
def requests_list(request):
    _require_decider(request.user)
    return render(
        request,
        "accounts/membership_requests.html",
        {"pending": list(membership.pending_for(request.user))},
    )


def _decidable(request, pk) -> MembershipRequest:
    item = get_object_or_404(
        MembershipRequest.objects.select_related("user", "organization__parent__parent"), pk=pk
    )
    if not membership.can_decide(request.user, item):
        raise PermissionDenied
    return item


@require_POST
@login_required
def request_approve(request, pk):
    item = _decidable(request, pk)
    if item.organization_id is None:
        return redirect("accounts:membership_request_organization", pk=item.pk)
    try:
        membership.approve(item, by=request.user)
        messages.success(
            request,
            _("%(name)s is now a member of %(organization)s.")
            % {"name": item.user.full_name, "organization": item.organization_label},
        )
    except membership.MembershipError as error:
        messages.error(request, str(error))
    return redirect("accounts:membership_requests")


@login_required
def request_decline(request, pk):
    """A page of its own: the reason is asked for and sent to the person."""
    item = _decidable(request, pk)
    form = DeclineMembershipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership.decline(item, by=request.user, reason=form.cleaned_data["reason"])
        except membership.MembershipError as error:
            form.add_error("reason", str(error))
        else:
            messages.success(
                request,
                _("The request was declined and %(name)s was told why.") % {"name": item.user.full_name},
            )
            return redirect("accounts:membership_requests")
    return render(request, "accounts/membership_decline.html", {"item": item, "form": form})


@login_required
def request_organization(request, pk):
    """Administrators: a "not listed" request is mapped to an organization, or one is created."""
    item = _decidable(request, pk)
    if item.organization_id is not None or item.status != Status.PENDING:
        return redirect("accounts:membership_requests")
    initial = {
        "name": item.requested_name,
        "kind": item.requested_kind,
        "prefecture": item.requested_prefecture,
    }
    form = OrganizationForRequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["organization"]:
                membership.approve(item, by=request.user, organization=data["organization"])
            else:
                membership.create_organization_for(
                    item,
                    by=request.user,
                    name=data["name"],
                    kind=data["kind"],
                    prefecture=data["prefecture"] or "",
                    parent=data["parent"],
                )
        except membership.MembershipError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(name)s is now a member of %(organization)s.")
                % {"name": item.user.full_name, "organization": item.organization_label},
            )
            return redirect("accounts:membership_requests")
    return render(request, "accounts/membership_organization.html", {"item": item, "form": form})


@login_required
def domains(request, org_id):
    organization = get_object_or_404(Organization.objects.select_related("parent"), pk=org_id)
    if not membership.can_manage_domains(request.user, organization):
        raise PermissionDenied
    form = DomainForm(request.POST or None)
    if request.method == "POST" and "remove" in request.POST:
        item = get_object_or_404(OrganizationDomain, pk=request.POST.get("remove"), organization=organization)
        membership.remove_domain(item, by=request.user)
        messages.success(request, _("%(domain)s was removed.") % {"domain": item.domain})
        return redirect("accounts:organization_domains", org_id=organization.pk)
    if request.method == "POST" and form.is_valid():
        try:
            item = membership.add_domain(
                organization=organization, domain_name=form.cleaned_data["domain"], by=request.user
            )
        except membership.MembershipError as error:
            form.add_error("domain", str(error))
        else:
            messages.success(request, _("%(domain)s was added.") % {"domain": item.domain})
            return redirect("accounts:organization_domains", org_id=organization.pk)
    return render(
        request,
        "accounts/organization_domains.html",
        {"organization": organization, "items": organization.domains.all(), "form": form},
    )
