"""Tags for the panels the event pages include (a fixed number of queries each)."""

from __future__ import annotations

from django import template
from django.utils import timezone

from groupwork import materials, questions, selectors, sharing

register = template.Library()


@register.simple_tag
def my_group(event, user):
    """The person's own group once the organizer locked the plan; None otherwise."""
    return selectors.my_group(event, user)


@register.simple_tag
def group_plan(event):
    return selectors.plan_for(event)


@register.simple_tag
def visible_materials(event, user):
    return materials.visible_to(event, user)


@register.simple_tag
def can_add_materials(event, user):
    return materials.can_add(user, event)


@register.simple_tag
def question_box(event, user):
    """The event's question box, for those who may read it (askers, organizers, reviewers)."""
    # The agenda and the panel below it both ask: one query per page.
    if not hasattr(event, "_groupwork_question_box"):
        event._groupwork_question_box = questions.box_for(event)
    box = event._groupwork_question_box
    if box is None or not questions.can_read(event, user):
        return None
    box.open_now = box.is_open(timezone.now())
    return box


@register.simple_tag
def shared_sheets(event, user):
    """Pre-work sheets the person's group shares with them (empty outside a locked group)."""
    return sharing.shared_with(event, user)
