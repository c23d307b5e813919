"""Security headers on every response the application renders.

- Content-Security-Policy: scripts and styles only from our own static files — no
  inline <script>, no event-handler attributes, no <style> blocks or style="" attributes
  (templates link static/css/*.css and static/js/*.js; print buttons are `data-print`).
  JSON data blocks (json_script) are not scripts and need nothing. PDFs are rendered from
  HTML that never reaches a browser, so they may inline their stylesheet.
- Permissions-Policy: the site uses no camera, microphone, location or payment API.
- Cache-Control: no-store, unless the view decided otherwise with no-store or no-cache
  itself: pages, exports, sheets, files and calendar feeds carry personal data, and a
  shared or back-button cache must not keep them. (Hashed static files never get here:
  WhiteNoise answers them above this middleware, with a one-year cache.)

Referrer-Policy comes from Django's SecurityMiddleware (SECURE_REFERRER_POLICY).
"""

from __future__ import annotations

from django.conf import settings

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)
NO_STORE = "private, no-store"


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not (settings.DEBUG and settings.DEBUG_TECHNICAL_PAGES):
            # (Django's technical debug pages are all inline styles and scripts.)
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        cache_control = response.get("Cache-Control", "")
        if "no-store" not in cache_control:
            response["Cache-Control"] = NO_STORE
        return response
