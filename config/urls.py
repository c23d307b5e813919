from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from config import health
from config.admin_login import admin_login
from events import views as event_views


class FaviconView(RedirectView):
    # Resolved per request: the hashed name comes from the static manifest.
    def get_redirect_url(self, *args, **kwargs):
        return static_url("img/favicon.ico")


urlpatterns = [
    path("", event_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("healthz/status", health.status, name="healthz_status"),
    # Browsers and feed readers ask for /favicon.ico whatever the page says.
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("me/", include("accounts.urls")),
    path("events/", include("events.urls")),
    path("events/", include("attendance.urls")),
    path("events/", include("groupwork.urls")),
    path("forms/", include("surveys.urls")),
    path("notifications/", include("notifications.urls")),
    path("reports/", include("reports.urls")),
    path("records/", include("records.urls")),
    path("privacy/", include("privacy.urls")),
    path("c/", include("records.urls_verify")),
    path("audit/", include("events.urls_audit")),
    # Before the admin's own URLs: its login form has no rate limit (config/admin_login.py).
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
]

handler400 = "config.errors.bad_request"
handler500 = "config.errors.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
