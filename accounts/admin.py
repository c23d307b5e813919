from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Organization, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organization"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "prefecture", "parent"]
    list_filter = ["kind", "prefecture"]
    search_fields = ["name", "name_kana", "prefecture"]
    autocomplete_fields = ["parent"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__full_name", "organization__name"]
    autocomplete_fields = ["user", "organization"]
