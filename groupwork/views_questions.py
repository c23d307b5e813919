"""The question box: the askers' page (send, see one's own, read the published list) and the
organizer's page (open with a deadline, group and order, mark taken up, publish, XLSX)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit import services as audit
from core.exports import xlsx_response
from events.models import Event
from events.permissions import event_manager_required, event_reader_required
from groupwork import questions as service
from groupwork.forms import QuestionBoxForm, QuestionForm


@login_required
def ask(request, pk):
    event = get_object_or_404(Event.objects.select_related("series"), pk=pk)
    if event.status == Event.Status.DRAFT or not service.can_read(event, request.user):
        raise PermissionDenied
    box = service.box_for(event)
    if box is None:
        raise Http404
    askers = service.askers(event, request.user)
    form = None
    status = 200
    if askers and box.is_open(timezone.now()):
        form = QuestionForm(request.POST or None, askers=askers)
        if request.method == "POST" and form.is_valid():
            try:
                service.submit(
                    event,
                    by=request.user,
                    text=form.cleaned_data["text"],
                    as_key=form.cleaned_data["as_key"],
                    show_organization=form.cleaned_data["show_organization"],
                )
            except service.QuestionError as error:
                form.add_error("text", str(error))
            else:
                messages.success(request, _("Your question was sent. Thank you."))
                return redirect("groupwork:questions", event.pk)
        if request.method == "POST":
            status = 400
    elif request.method == "POST":
        # The deadline passed between loading the page and sending it: say so, keep nothing.
        try:
            service.submit(event, by=request.user, text=request.POST.get("text", ""), as_key="self")
        except service.QuestionError as error:
            messages.error(request, str(error))
            status = 400
    context = {
        "event": event,
        "box": box,
        "form": form,
        "mine": service.asked_by(box, request.user),
        "topics": service.published(box) if box.is_published else [],
    }
    return render(request, "groupwork/questions.html", context, status=status)


def _manage_page(request, event, box, form, *, status=200):
    context = {
        "event": event,
        "box": box,
        "form": form,
        "questions": service.all_questions(box) if box else [],
        "can_manage": request.can_manage,
    }
    return render(request, "groupwork/questions_manage.html", context, status=status)


@event_reader_required
def manage(request, event):
    box = service.box_for(event)
    program = list(event.program_items.all())
    initial = {}
    if box is not None:
        initial = {
            "closes_at": timezone.localtime(box.closes_at),
            "program_item": box.program_item_id,
            "instructions": box.instructions,
        }
    if request.method != "POST":
        return _manage_page(request, event, box, QuestionBoxForm(initial=initial, program=program))
    if not request.can_manage:
        raise PermissionDenied
    form = QuestionBoxForm(request.POST, program=program)
    if form.is_valid():
        try:
            service.open_box(
                event,
                by=request.user,
                closes_at=form.cleaned_data["closes_at"],
                program_item_id=form.cleaned_data.get("program_item"),
                instructions=form.cleaned_data.get("instructions", ""),
            )
        except service.QuestionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The question box was saved."))
            return redirect("groupwork:questions_manage", event.pk)
    return _manage_page(request, event, box, form, status=400)


@require_POST
@event_manager_required
def arrange(request, event):
    rows = {}
    for name, value in request.POST.items():
        if not name.startswith("order-") or not name[6:].isdigit():
            continue
        pk = int(name[6:])
        try:
            order = int(value or 0)
        except ValueError:
            messages.error(request, _("The order must be a whole number."))
            return redirect("groupwork:questions_manage", event.pk)
        if order < 0 or order > 100_000:
            messages.error(request, _("The order must be a whole number."))
            return redirect("groupwork:questions_manage", event.pk)
        rows[pk] = (request.POST.get(f"topic-{pk}", ""), order, request.POST.get(f"taken-{pk}") == "on")
    try:
        changed = service.arrange(event, by=request.user, rows=rows)
    except service.QuestionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Saved (%(count)s changed).") % {"count": changed})
    return redirect("groupwork:questions_manage", event.pk)


@require_POST
@event_manager_required
def publish(request, event):
    published = request.POST.get("published") == "1"
    try:
        service.set_published(event, by=request.user, published=published)
    except service.QuestionError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The list of questions taken up is published to the participants.")
            if published
            else _("The list is no longer published."),
        )
    return redirect("groupwork:questions_manage", event.pk)


@event_reader_required
def export(request, event):
    box = service.box_for(event)
    if box is None:
        raise Http404
    header = [_("No."), _("Topic"), _("Question"), _("Municipality"), _("Taken up"), _("Order")]
    audit.record(
        actor=request.user,
        action="export.questions",
        target=box,
        event=event,
        details={"format": "xlsx"},
        request=request,
    )
    return xlsx_response(f"questions-{event.pk}.xlsx", [(_("Questions"), header, service.export_rows(box))])
