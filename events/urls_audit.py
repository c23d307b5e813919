from django.urls import path

from events import views_audit

app_name = "audit"

urlpatterns = [
    path("", views_audit.trail, name="trail"),
    path("export.<str:fmt>", views_audit.export, name="export"),
]
