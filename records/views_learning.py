"""受講履歴 pages: one's own, and a coordinator's staff (with the XLSX for HR)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import format_fiscal_year
from core.exports import xlsx_response
from records import learning

ROWS_PER_PAGE = 200


def _filters(request) -> tuple[int | None, int | None]:
    def number(name: str) -> int | None:
        raw = request.GET.get(name, "")
        return int(raw) if raw.isdigit() and len(raw) < 10 else None

    return number("year"), number("series")


@login_required
def mine(request):
    year, series_id = _filters(request)
    everything = learning.person_record(request.user)
    years, series = learning.years_and_series(everything)
    rows = [
        r
        for r in everything
        if (year is None or r.year == year) and (series_id is None or r.event.series_id == series_id)
    ]
    return render(
        request,
        "records/mine.html",
        {
            "groups": learning.by_year(rows),
            "years": years,
            "series": series,
            "year": year,
            "series_id": series_id,
        },
    )


def _require_coordinator(user) -> None:
    if not learning.coordinated_org_ids(user):
        raise PermissionDenied


@login_required
def staff(request):
    _require_coordinator(request.user)
    year, series_id = _filters(request)
    everything = learning.staff_record(request.user)
    years, series = learning.years_and_series(everything)
    rows = [
        r
        for r in everything
        if (year is None or r.year == year) and (series_id is None or r.event.series_id == series_id)
    ]
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "records/staff.html",
        {
            "page": page,
            "years": years,
            "series": series,
            "year": year,
            "series_id": series_id,
            "total": len(rows),
            "query": urlencode({k: v for k, v in (("year", year), ("series", series_id)) if v}),
        },
    )


@login_required
def staff_export(request):
    _require_coordinator(request.user)
    year, series_id = _filters(request)
    rows = learning.staff_record(request.user, year=year, series_id=series_id)
    label = format_fiscal_year(year).split("（")[0] if year else timezone.localdate().isoformat()
    filename = _("Learning records %(label)s.xlsx") % {"label": label}
    return xlsx_response(filename, [(_("Learning records"), learning.HEADER, learning.export_rows(rows))])
