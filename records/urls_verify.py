"""The short public address printed under a certificate's QR code: /c/<number>/."""

from django.urls import path

from records import views_public

app_name = "verify"

urlpatterns = [
    path("", views_public.lookup, name="lookup"),
    path("<str:number>/", views_public.certificate, name="certificate"),
]
