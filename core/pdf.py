"""PDF from an HTML template with WeasyPrint, when the server has it.

WeasyPrint needs Pango (a system library); where it is missing the pages offer the
browser's print instead, so `weasyprint()` returns None rather than failing.
"""

from __future__ import annotations

import logging

from django.http import HttpResponse
from django.template.loader import render_to_string


def weasyprint():
    try:
        import weasyprint as module  # optional: needs Pango, checked at call time
    except (ImportError, OSError):  # OSError: the Pango libraries are missing
        return None
    # Its progress messages ("Step 1 - Fetching…") are INFO; keep them out of the logs.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    return module


def available() -> bool:
    return weasyprint() is not None


def pdf_response(request, template: str, context: dict, filename: str) -> HttpResponse | None:
    """The template rendered with `pdf=True` as an inline PDF; None when PDF is unavailable."""
    module = weasyprint()
    if module is None:
        return None
    html = render_to_string(template, {**context, "pdf": True}, request)
    pdf = module.HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
