from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("events/<int:pk>/", views.event_messages, name="event_messages"),
    path("events/<int:pk>/announce/", views.announce, name="announce"),
    path("events/<int:pk>/reminders/", views.reminder_rules, name="reminder_rules"),
    path("events/<int:pk>/calendar.ics", views.event_ics, name="event_ics"),
    path("messages/<int:pk>/resend/", views.resend, name="resend"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/renew/", views.renew_calendar_token, name="renew_calendar_token"),
    path("unsubscribe-links/renew/", views.renew_unsubscribe_links, name="renew_unsubscribe_links"),
    path("feeds/me/<str:token>.ics", views.personal_feed, name="personal_feed"),
    path("feeds/series/<int:pk>.ics", views.series_feed, name="series_feed"),
    path("feeds/organizations/<int:pk>.ics", views.organization_feed, name="organization_feed"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
