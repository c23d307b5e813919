"""Attendance URLs, under /events/ beside the event pages (config/urls.py)."""

from django.urls import path

from attendance import views

app_name = "attendance"

urlpatterns = [
    path("manage/<int:pk>/roster/", views.roster, name="roster"),
    path("manage/<int:pk>/roster/mark/", views.roster_mark, name="roster_mark"),
    path("manage/<int:pk>/checkin-qr/", views.checkin_qr, name="checkin_qr"),
    path("manage/<int:pk>/zoom/", views.zoom_import, name="zoom_import"),
    path("manage/<int:pk>/zoom/review/", views.zoom_review, name="zoom_review"),
    path("manage/<int:pk>/reception/", views.reception_roster, name="reception_roster"),
    path("<int:pk>/checkin/<str:token>/", views.checkin, name="checkin"),
    path("<int:pk>/attendance-code/", views.attendance_code, name="attendance_code"),
]
