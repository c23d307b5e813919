"""Forming, adjusting and locking the breakout groups of an event. One transaction each.

Every function checks that `by` may manage the event (an organizer of one of its hosts, or
staff) before it reads or writes anything, and checks every id it is given against the
event: a person id from another event, a group number that does not exist or a rule of
another plan is refused, whatever the form sent. The plan row is locked
(select_for_update) for the whole change, so two organizers pressing "generate" and
"move" at once are serialised and the page never shows half of each.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from core.errors import UserError
from events.models import Event, Registration
from events.permissions import can_manage_event
from groupwork import generator, selectors
from groupwork.models import Group, GroupMember, GroupPlan, JobRole, PairRule, Profile

MAX_GROUPS = 500


class GroupworkError(UserError):
    """A refused change to the groups; str(error) is for the organizer."""


def _require_manager(user, event: Event) -> None:
    if not (user and user.is_authenticated and can_manage_event(user, event)):
        raise PermissionDenied


def _locked_plan(event: Event) -> GroupPlan:
    GroupPlan.objects.get_or_create(event=event)
    return GroupPlan.objects.select_for_update().get(event=event)


def _confirmed_ids(event: Event) -> dict[int, int]:
    """user id → registration id of the event's confirmed registrants."""
    return dict(Registration.objects.confirmed().filter(event=event).values_list("user_id", "id"))


def _constraints(plan: GroupPlan) -> generator.Constraints:
    together, apart = [], []
    for rule in PairRule.objects.filter(plan=plan).order_by("id"):
        (together if rule.kind == PairRule.Kind.TOGETHER else apart).append((rule.first_id, rule.second_id))
    return generator.Constraints(
        group_size=plan.group_size,
        group_count=plan.group_count,
        max_per_organization=plan.max_per_organization,
        spread_kinds=plan.spread_kinds,
        spread_roles=plan.spread_roles,
        together=tuple(together),
        apart=tuple(apart),
        facilitators=plan.facilitators,
    )


def _settings_changes(plan: GroupPlan, data: Mapping) -> None:
    size, count = data.get("group_size"), data.get("group_count")
    if size is not None and count is not None:
        raise GroupworkError(_("Give either a group size or a number of groups, not both."))
    if size is None and count is None:
        raise GroupworkError(_("Give either a group size or a number of groups, not both."))
    if (count or 0) > MAX_GROUPS:
        raise GroupworkError(_("At most %(max)s groups.") % {"max": MAX_GROUPS})
    plan.group_size, plan.group_count = size, count
    plan.max_per_organization = data.get("max_per_organization")
    plan.spread_kinds = bool(data.get("spread_kinds"))
    plan.spread_roles = bool(data.get("spread_roles"))
    plan.facilitators = bool(data.get("facilitators"))
    if data.get("seed") is not None:
        plan.seed = data["seed"]


def _write(plan: GroupPlan, result: generator.Result, confirmed: dict[int, int]) -> None:
    """Replace the plan's groups with the result (numbers 1…k, index + 1)."""
    GroupMember.objects.filter(plan=plan).delete()
    Group.objects.filter(plan=plan).delete()
    groups = Group.objects.bulk_create(
        Group(plan=plan, number=i + 1, facilitator_id=result.facilitators[i])
        for i in range(len(result.groups))
    )
    GroupMember.objects.bulk_create(
        GroupMember(plan=plan, group=groups[i], user_id=pid, registration_id=confirmed[pid])
        for i, members in enumerate(result.groups)
        for pid in members
    )


def generate(event: Event, *, by, data: Mapping, reshuffle: bool = False) -> GroupPlan:
    """Form the groups from the confirmed registrants with the settings in `data`.

    People already placed stay in their group unless `reshuffle`; a locked plan can only
    place newcomers (unlock it to reshuffle everyone). Input no grouping can satisfy is
    refused with GroupworkError and nothing is saved."""
    _require_manager(by, event)
    with transaction.atomic():
        plan = _locked_plan(event)
        if plan.is_locked and reshuffle:
            raise GroupworkError(
                _("The groups are locked. Unlock them before forming everyone's groups again.")
            )
        before = audit.snapshot(
            plan,
            [
                "group_size",
                "group_count",
                "max_per_organization",
                "spread_kinds",
                "spread_roles",
                "facilitators",
                "seed",
            ],
        )
        if plan.is_locked:
            # Only newcomers are placed: the settings the participants' groups were made with stay.
            data = {
                "group_size": plan.group_size,
                "group_count": plan.group_count,
                "max_per_organization": plan.max_per_organization,
                "spread_kinds": plan.spread_kinds,
                "spread_roles": plan.spread_roles,
                "facilitators": plan.facilitators,
                "seed": plan.seed,
            }
        _settings_changes(plan, data)
        confirmed = _confirmed_ids(event)
        event_rows = selectors.rows(event, plan)
        people = selectors.people_for_generator(event_rows)
        placed = {}
        if not reshuffle:
            placed = {row.user_id: row.group_number - 1 for row in event_rows if row.group_number is not None}
        try:
            result = generator.generate(people, _constraints(plan), seed=plan.seed, placed=placed)
        except generator.GroupingError as error:
            raise GroupworkError(str(error)) from error
        _write(plan, result, confirmed)
        plan.notes = result.unmet
        plan.generated_at = timezone.now()
        plan.save()
        audit.record(
            actor=by,
            action="groups.generate",
            target=plan,
            event=event,
            changes=audit.diff(before, audit.snapshot(plan, list(before))),
            details={
                "people": len(people),
                "groups": len(result.groups),
                "kept_in_place": len(placed),
                "reshuffle": reshuffle,
                "violations": result.violations,
            },
        )
        return plan


def new_seed() -> int:
    return secrets.randbelow(10**6) + 1


def move(event: Event, *, by, moves: Mapping[int, int]) -> int:
    """Put people (user id → group number) into groups; returns how many moved."""
    _require_manager(by, event)
    with transaction.atomic():
        plan = _locked_plan(event)
        groups = {g.number: g for g in Group.objects.filter(plan=plan)}
        confirmed = _confirmed_ids(event)
        current = dict(GroupMember.objects.filter(plan=plan).values_list("user_id", "group__number"))
        changed = []
        for user_id, number in moves.items():
            if user_id not in confirmed:
                raise GroupworkError(
                    _("Only confirmed registrants of this event can be put into its groups.")
                )
            if number not in groups:
                raise GroupworkError(_("There is no group %(number)s.") % {"number": number})
            if current.get(user_id) != number:
                changed.append((user_id, number))
        for user_id, number in changed:
            GroupMember.objects.update_or_create(
                plan=plan,
                user_id=user_id,
                defaults={"group": groups[number], "registration_id": confirmed[user_id]},
            )
        if changed:
            _refresh_facilitators(plan)
            audit.record(
                actor=by,
                action="groups.move",
                target=plan,
                event=event,
                details={"moves": [[user_id, current.get(user_id), number] for user_id, number in changed]},
            )
        return len(changed)


def _refresh_facilitators(plan: GroupPlan) -> None:
    """After people moved: a group keeps its facilitator while they are in it, else takes
    one of its members marked as facilitator (or none)."""
    marked = set(
        Profile.objects.filter(event_id=plan.event_id, facilitator=True).values_list("user_id", flat=True)
    )
    members: dict[int, list[int]] = {}
    for group_id, user_id in GroupMember.objects.filter(plan=plan).values_list("group_id", "user_id"):
        members.setdefault(group_id, []).append(user_id)
    taken = set()
    for group in Group.objects.filter(plan=plan).order_by("number"):
        inside = sorted(members.get(group.pk, []))
        keep = group.facilitator_id in inside and group.facilitator_id not in taken
        choice = group.facilitator_id if keep else None
        if choice is None and plan.facilitators:
            choice = next((u for u in inside if u in marked and u not in taken), None)
        if choice is not None:
            taken.add(choice)
        if choice != group.facilitator_id:
            group.facilitator_id = choice
            group.save(update_fields=["facilitator"])


def set_locked(event: Event, *, by, locked: bool) -> GroupPlan:
    _require_manager(by, event)
    with transaction.atomic():
        plan = _locked_plan(event)
        target = GroupPlan.Status.LOCKED if locked else GroupPlan.Status.DRAFT
        if plan.status == target:
            return plan
        if locked and not Group.objects.filter(plan=plan).exists():
            raise GroupworkError(_("Form the groups before locking them."))
        plan.status = target
        plan.locked_at = timezone.now() if locked else None
        plan.locked_by = by if locked else None
        plan.save(update_fields=["status", "locked_at", "locked_by", "updated_at"])
        audit.record(actor=by, action="groups.lock" if locked else "groups.unlock", target=plan, event=event)
        return plan


def set_profiles(event: Event, *, by, profiles: Mapping[int, tuple[str, bool]]) -> int:
    """Job role and facilitator mark per confirmed registrant (user id → (role, facilitator))."""
    _require_manager(by, event)
    with transaction.atomic():
        plan = _locked_plan(event)
        confirmed = _confirmed_ids(event)
        existing = {p.user_id: p for p in Profile.objects.filter(event=event)}
        changed = 0
        for user_id, (role, facilitator) in profiles.items():
            if user_id not in confirmed:
                raise GroupworkError(
                    _("Only confirmed registrants of this event can be put into its groups.")
                )
            if role and role not in JobRole.values:
                raise GroupworkError(_("Choose a job role from the list."))
            profile = existing.get(user_id)
            if profile is None:
                if not role and not facilitator:
                    continue
                Profile.objects.create(event=event, user_id=user_id, job_role=role, facilitator=facilitator)
                changed += 1
            elif (profile.job_role, profile.facilitator) != (role, facilitator):
                profile.job_role, profile.facilitator = role, facilitator
                profile.save(update_fields=["job_role", "facilitator"])
                changed += 1
        if changed:
            _refresh_facilitators(plan)
            audit.record(
                actor=by, action="groups.profiles", target=plan, event=event, details={"changed": changed}
            )
        return changed


def add_pair(event: Event, *, by, first_id: int, second_id: int, kind: str) -> PairRule:
    _require_manager(by, event)
    if kind not in PairRule.Kind.values:
        raise GroupworkError(_("Choose whether to keep them together or apart."))
    if first_id == second_id:
        raise GroupworkError(_("Choose two different people."))
    with transaction.atomic():
        plan = _locked_plan(event)
        confirmed = _confirmed_ids(event)
        if first_id not in confirmed or second_id not in confirmed:
            raise GroupworkError(_("Only confirmed registrants of this event can be put into its groups."))
        low, high = sorted((first_id, second_id))
        try:
            with transaction.atomic():
                rule = PairRule.objects.create(plan=plan, kind=kind, first_id=low, second_id=high)
        except IntegrityError:
            raise GroupworkError(
                _("There is already a rule for these two people; remove it first to change it.")
            ) from None
        audit.record(
            actor=by,
            action="groups.rule_add",
            target=plan,
            event=event,
            details={"kind": kind, "people": [low, high]},
        )
        return rule


def remove_pair(event: Event, *, by, rule_id: int) -> None:
    _require_manager(by, event)
    with transaction.atomic():
        plan = _locked_plan(event)
        rule = PairRule.objects.filter(plan=plan, pk=rule_id).first()
        if rule is None:
            raise GroupworkError(_("That rule no longer exists."))
        details = {"kind": rule.kind, "people": [rule.first_id, rule.second_id]}
        rule.delete()
        audit.record(actor=by, action="groups.rule_remove", target=plan, event=event, details=details)


def forget_registration(registration: Registration) -> None:
    """A cancelled or declined registrant leaves their group (and its facilitator seat)."""
    plan = GroupPlan.objects.filter(event_id=registration.event_id).first()
    if plan is None:
        return
    removed, _detail = GroupMember.objects.filter(plan=plan, user_id=registration.user_id).delete()
    if removed:
        Group.objects.filter(plan=plan, facilitator_id=registration.user_id).update(facilitator=None)
        _refresh_facilitators(plan)


def set_share_until(event: Event, *, by, until) -> GroupPlan:
    """End (or move) the follow-up period in which groups read each other's shared sheets;
    None goes back to the default (GROUPWORK_FOLLOW_UP_DAYS after the event)."""
    _require_manager(by, event)
    if until is not None and until <= event.starts_at:
        raise GroupworkError(_("The follow-up period ends after the event starts."))
    with transaction.atomic():
        plan = _locked_plan(event)
        before = audit.snapshot(plan, ["share_until"])
        plan.share_until = until
        plan.save(update_fields=["share_until", "updated_at"])
        audit.record(
            actor=by,
            action="groups.share_until",
            target=plan,
            event=event,
            changes=audit.diff(before, audit.snapshot(plan, ["share_until"])),
        )
        return plan
