from django.urls import path

from events import views, views_audit, views_transfer

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("<int:pk>/", views.event_detail, name="detail"),
    path("<int:pk>/register/", views.register, name="register"),
    path("<int:pk>/cancel/", views.cancel_own, name="cancel_own"),
    path("<int:pk>/registrations/<int:registration_id>/transfer/", views_transfer.transfer, name="transfer"),
    path("mine/", views.my_events, name="mine"),
    path("series/<int:pk>/", views.series_detail, name="series_detail"),
    path("manage/", views.manage, name="manage"),
    path("manage/series/new/", views.series_edit, name="series_create"),
    path("manage/series/<int:pk>/edit/", views.series_edit, name="series_edit"),
    path("manage/new/", views.event_create, name="event_create"),
    path("manage/<int:pk>/", views.manage_event, name="manage_event"),
    path("manage/<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("manage/<int:pk>/program/", views.program, name="program"),
    path("manage/<int:pk>/publish/", views.publish, name="publish"),
    path("manage/<int:pk>/cancel/", views.cancel_event, name="cancel_event"),
    path("manage/<int:pk>/next/", views.next_session, name="next_session"),
    path("manage/<int:pk>/registrations/", views.registrations, name="registrations"),
    path("manage/<int:pk>/audit/", views_audit.event_trail, name="audit_trail"),
    path(
        "manage/<int:pk>/registrations/<int:registration_id>/<slug:action>/",
        views.registration_action,
        name="registration_action",
    ),
    path(
        "manage/<int:pk>/registrations.<str:fmt>",
        views.export_registrations,
        name="export_registrations",
    ),
    path("coordinate/", views.coordinate, name="coordinate"),
    path("coordinate/<int:pk>/", views.bulk_register, name="bulk_register"),
]
