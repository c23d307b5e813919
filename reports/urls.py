from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<int:year>/export.xlsx", views.export, name="export"),
    path("<int:year>/municipality/<int:org_id>/", views.municipality, name="municipality"),
    path("<int:year>/municipality/<int:org_id>/edit/", views.engagement_edit, name="engagement_edit"),
    path("event/<int:pk>/", views.event_detail, name="event"),
]
