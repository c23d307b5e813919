from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.policy, name="policy"),
    path("retention/", views.retention_page, name="retention"),
    path("me/", views.mine, name="mine"),
    path("me/delete/", views.delete_account, name="delete_account"),
    path("me/export/", views.export_request, name="export_request"),
    path("me/export/<uuid:pk>/status/", views.export_status, name="export_status"),
    path("me/export/<uuid:pk>/", views.export_download, name="export_download"),
]
