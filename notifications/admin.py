from django.contrib import admin

from notifications.models import Outbox, ReminderRule


@admin.register(Outbox)
class OutboxAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "recipient",
        "to_email",
        "event",
        "status",
        "attempts",
        "send_after",
        "sent_at",
    )
    list_filter = ("status", "kind")
    search_fields = ("recipient__email", "to_email", "dedupe_key", "subject")
    raw_id_fields = ("recipient", "event")
    # Rows are history: status changes go through the organizer page's resend.
    readonly_fields = [f.name for f in Outbox._meta.fields]


@admin.register(ReminderRule)
class ReminderRuleAdmin(admin.ModelAdmin):
    list_display = ("event", "offset", "unit")
    raw_id_fields = ("event",)
