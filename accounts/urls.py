from django.urls import path

from accounts import views, views_membership

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("language/", views.switch_language, name="switch_language"),
    path("memberships/", views_membership.memberships, name="memberships"),
    path(
        "memberships/<int:pk>/<str:answer>/",
        views_membership.respond,
        name="membership_respond",
    ),
    path("membership-requests/", views_membership.requests_list, name="membership_requests"),
    path(
        "membership-requests/<int:pk>/approve/",
        views_membership.request_approve,
        name="membership_request_approve",
    ),
    path(
        "membership-requests/<int:pk>/decline/",
        views_membership.request_decline,
        name="membership_request_decline",
    ),
    path(
        "membership-requests/<int:pk>/organization/",
        views_membership.request_organization,
        name="membership_request_organization",
    ),
    path("organizations/<int:org_id>/domains/", views_membership.domains, name="organization_domains"),
]
