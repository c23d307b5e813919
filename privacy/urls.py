from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("me/", views.mine, name="mine"),
    path("me/delete/", views.delete_account, name="delete_account"),
]
