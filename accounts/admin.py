from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts import mfa
from accounts.lifecycle import data_export_requested, pseudonymize
from accounts.models import Membership, Organization, User
from accounts.services import audit_membership
from audit import services as audit

_PRIVILEGES = ["is_active", "is_staff", "is_superuser"]


class AuditedMemberships:
    """Role changes made in the admin are audited like those made by the services."""

    def _audit_membership_change(
        self, request, membership: Membership, *, created: bool, before: dict
    ) -> None:
        if created:
            audit_membership(
                membership,
                by=request.user,
                action="membership.grant",
                changes={"role": [None, membership.role]},
            )
            return
        after = audit.snapshot(membership, ["role", "organization", "user"])
        changes = audit.diff(before, after)
        if changes:
            audit_membership(membership, by=request.user, action="membership.change", changes=changes)

    def _audit_membership_delete(self, request, membership: Membership) -> None:
        audit_membership(
            membership, by=request.user, action="membership.revoke", changes={"role": [membership.role, None]}
        )


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organization"]


@admin.register(User)
class UserAdmin(AuditedMemberships, BaseUserAdmin):
    ordering = ["full_name_kana", "email"]
    list_display = ["email", "full_name", "full_name_kana", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff", "preferred_language", "memberships__role"]
    search_fields = ["email", "full_name", "full_name_kana", "phone"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Profile"),
            {"fields": ("full_name", "full_name_kana", "phone", "preferred_language", "receive_reminders")},
        ),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )

    actions = ["reset_two_factor", "export_data_on_request", "delete_accounts_on_request"]

    @admin.action(description=_("Reset two-factor sign-in (lost device)"), permissions=["change"])
    def reset_two_factor(self, request, queryset):
        """The person lost their phone and their recovery codes: their authenticators are
        removed (audited) and they set up a new one at their next sign-in."""
        reset = [user for user in queryset if mfa.reset_authenticators(user=user, by=request.user)]
        if reset:
            self.message_user(
                request,
                _("Two-factor sign-in was reset for: %(people)s. They set it up again at their next sign-in.")
                % {"people": "、".join(str(user) for user in reset)},
                messages.SUCCESS,
            )
        else:
            self.message_user(request, _("None of them had two-factor sign-in set up."), messages.WARNING)

    def get_actions(self, request):
        # Deleting a person would take their registrations, attendance and answers with it
        # (or be refused by PROTECT); an account is deleted by pseudonymizing it instead.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Build a copy of their data at the person's request (mailed to them)"))
    def export_data_on_request(self, request, queryset):
        # The privacy app (a higher layer) listens and builds it; False: one is being built.
        started = 0
        for user in queryset.filter(deleted_at__isnull=True):
            answers = data_export_requested.send(sender=User, user=user, by=request.user)
            started += any(result for _receiver, result in answers)
        self.message_user(
            request,
            _("A copy is being built for %(count)s people; each gets a mail when theirs is ready.")
            % {"count": started},
        )

    @admin.action(description=_("Delete the selected accounts at the person's request (pseudonymize)"))
    def delete_accounts_on_request(self, request, queryset):
        done = sum(
            pseudonymize(user, by=request.user, reason="administrator, at the person's request")
            for user in queryset.exclude(pk=request.user.pk)
        )
        self.message_user(
            request,
            _("%(count)s accounts were deleted: names, addresses and files erased, history kept anonymously.")
            % {"count": done},
        )

    def save_model(self, request, obj, form, change):
        before = audit.snapshot(User.objects.get(pk=obj.pk), _PRIVILEGES) if change else {}
        super().save_model(request, obj, form, change)
        changes = audit.diff(before, audit.snapshot(obj, _PRIVILEGES)) if change else {}
        if changes:
            audit.record(actor=request.user, action="user.privileges", target=obj, changes=changes)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        befores = {
            m.pk: audit.snapshot(m, ["role", "organization", "user"])
            for m in Membership.objects.filter(pk__in=[f.instance.pk for f in formset.forms if f.instance.pk])
        }
        instances = formset.save(commit=False)
        for membership in formset.deleted_objects:
            self._audit_membership_delete(request, membership)
            membership.delete()
        for membership in instances:
            created = membership.pk is None
            membership.save()
            self._audit_membership_change(
                request, membership, created=created, before=befores.get(membership.pk, {})
            )
        formset.save_m2m()


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "prefecture", "parent"]
    list_filter = ["kind", "prefecture"]
    search_fields = ["name", "name_kana", "prefecture"]
    autocomplete_fields = ["parent"]

    def get_actions(self, request):
        # No bulk delete: each organization is checked for history on its own page.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        """Only an organization with no history: hosting an event or a series would be
        removed silently with it (the registrations and sheets that name it are PROTECTed)."""
        if obj is not None and (obj.hosted_events.exists() or obj.series.exists()):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Membership)
class MembershipAdmin(AuditedMemberships, admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__full_name", "organization__name"]
    autocomplete_fields = ["user", "organization"]

    def save_model(self, request, obj, form, change):
        before = (
            audit.snapshot(Membership.objects.get(pk=obj.pk), ["role", "organization", "user"])
            if change
            else {}
        )
        super().save_model(request, obj, form, change)
        self._audit_membership_change(request, obj, created=not change, before=before)

    def delete_model(self, request, obj):
        self._audit_membership_delete(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user", "organization"):
            self._audit_membership_delete(request, membership)
        super().delete_queryset(request, queryset)


# allauth's own admin for authenticators would let a row be deleted without a trace; the
# audited reset above is the way to remove them, so here they are only listed.
if admin.site.is_registered(Authenticator):
    admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    search_fields = ["user__email", "user__full_name"]
    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
