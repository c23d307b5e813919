from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.policy, name="policy"),
    path("retention/", views.retention_page, name="retention"),
    path("me/", views.mine, name="mine"),
    path("me/delete/", views.delete_account, name="delete_account"),
]
