"""The sponsor's casebook pages: choose the year and the municipalities, write the
introduction, build, watch the progress, download the PDF and the Word file."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from records import access
from records.casebook import data, service
from records.errors import RecordsError
from records.forms import IntroForm
from records.models import CasebookBuild
from reports import selectors

MIN_YEAR, MAX_YEAR = 2000, 2100


def _year(value) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404
    return year


def _require(user) -> None:
    if not access.can_build_casebook(user):
        raise PermissionDenied


@login_required
def casebook(request):
    _require(request.user)
    year = _year(request.GET["year"]) if request.GET.get("year") else selectors.default_year()
    return _page(request, year)


def _page(request, year: int, *, intro_form=None, chosen=None, error: str = "", status: int = 200):
    intro = data.intro_for(year)
    if intro_form is None:
        intro_form = IntroForm(instance=intro)
    municipalities = data.municipalities_for(year)
    years = selectors.available_years()
    if year not in years:
        years = sorted([*years, year], reverse=True)
    return render(
        request,
        "records/casebook.html",
        {
            "year": year,
            "years": years,
            "municipalities": municipalities,
            "chosen": set(chosen) if chosen is not None else {o.pk for o in municipalities},
            "intro_form": intro_form,
            "builds": CasebookBuild.objects.filter(fiscal_year=year).order_by("-created_at")[:10],
            "has_events": data.year_has_events(year),
            "error": error,
        },
        status=status,
    )


@require_POST
@login_required
def intro(request, year: int):
    _require(request.user)
    year = _year(year)
    form = IntroForm(request.POST)
    if form.is_valid():
        try:
            service.save_intro(by=request.user, year=year, fields=form.cleaned_data)
        except RecordsError as error:
            form.add_error("title", str(error))
        else:
            messages.success(request, _("The introduction was saved."))
            return redirect(f"{reverse('records:casebook')}?year={year}")
    return _page(request, year, intro_form=form, status=400)


@require_POST
@login_required
def build(request, year: int):
    _require(request.user)
    year = _year(year)
    chosen = [int(v) for v in request.POST.getlist("organization") if v.isdigit()]
    try:
        built, created = service.request_build(by=request.user, year=year, organization_ids=chosen)
    except RecordsError as error:
        return _page(request, year, chosen=chosen, error=str(error), status=400)
    if not created:
        messages.info(
            request, _("The same book is already being built; you will get the mail when it is ready.")
        )
    return redirect(built)


@login_required
def build_status(request, pk):
    _require(request.user)
    built = get_object_or_404(CasebookBuild, pk=pk)
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "status": built.status,
                "label": built.get_status_display(),
                "progress": built.progress,
                "step": built.step,
                "done": built.status == CasebookBuild.Status.DONE,
                "finished": not built.is_active,
            }
        )
    return render(
        request,
        "records/casebook_build.html",
        {
            "build": built,
            "organizations": [
                o for o in data.municipalities_for(built.fiscal_year) if o.pk in built.organization_ids
            ],
        },
    )


@login_required
def download(request, pk, fmt: str):
    _require(request.user)
    built = get_object_or_404(CasebookBuild, pk=pk, status=CasebookBuild.Status.DONE)
    field = {"pdf": built.pdf, "docx": built.docx}.get(fmt)
    if not field:
        raise Http404
    label = data.year_label(built.fiscal_year)
    filename = _("Casebook %(year)s.%(ext)s") % {"year": label, "ext": fmt}
    return FileResponse(field.open("rb"), as_attachment=True, filename=filename)
