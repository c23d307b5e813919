"""A certificate as HTML and as an A4 PDF (WeasyPrint), always in Japanese.

The PDF is rendered from the certificate's own snapshot each time it is downloaded, so
it never drifts from what was issued and no file has to be kept or purged.
"""

from __future__ import annotations

from datetime import datetime

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from core import pdf
from core.dates import format_date, format_range
from records.certificates import verify_url
from records.models import Certificate, _hours


def qr_svg_data_uri(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def _sessions(certificate: Certificate) -> list[dict]:
    rows = []
    for s in certificate.sessions:
        start, end = datetime.fromisoformat(s["starts_at"]), datetime.fromisoformat(s["ends_at"])
        # Rendered inside translation.override("ja") by the callers below.
        label = gettext("Session %(number)s") % {"number": s["number"]} if s.get("number") else ""
        rows.append({"label": label, "when": format_range(start, end), "hours": _hours(s["minutes"])})
    return rows


def certificate_context(certificate: Certificate) -> dict:
    with translation.override("ja"):
        url = verify_url(certificate)
        return {
            "certificate": certificate,
            "sessions": _sessions(certificate),
            "issued_on": format_date(certificate.issued_at, weekday=False),
            "verify_url": url,
            "qr": qr_svg_data_uri(url),
        }


def certificate_html(certificate: Certificate) -> str:
    with translation.override("ja"):
        return render_to_string("records/certificate_pdf.html", certificate_context(certificate))


def certificate_pdf(certificate: Certificate) -> bytes | None:
    weasyprint = pdf.weasyprint()
    if weasyprint is None:
        return None
    return weasyprint.HTML(string=certificate_html(certificate)).write_pdf()
