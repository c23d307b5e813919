"""Reads for the group pages, the event page and the reminder mail.

Who sees a group is decided here and nowhere else: a participant sees the group they are
in — its members' names and organizations, never their e-mail addresses — and only once
the organizer has locked the plan; never another group.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from accounts.models import Organization
from events.models import Event, Registration
from groupwork.generator import Person
from groupwork.models import Group, GroupMember, GroupPlan, PairRule, Profile


@dataclass
class OrgInfo:
    root_id: int
    root_name: str
    kind: str
    display: str


def organization_index(ids: Iterable[int | None]) -> dict[int, OrgInfo]:
    """Top organization, its kind and the full name of each organization (one query for
    the whole tree: Organization.objects.paths())."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    paths = Organization.objects.paths()
    result = {}
    for org_id in wanted:
        chain = paths.get(org_id)
        if not chain:
            continue
        root = chain[-1]
        result[org_id] = OrgInfo(
            root_id=root.pk,
            root_name=root.name,
            kind=root.kind,
            display=" ".join(n.name for n in reversed(chain)),
        )
    return result


def plan_for(event: Event) -> GroupPlan | None:
    return GroupPlan.objects.filter(event=event).first()


def confirmed(event: Event) -> list[Registration]:
    return list(
        Registration.objects.confirmed()
        .filter(event=event)
        .select_related("user")
        .order_by("user__full_name_kana", "user__email", "id")
    )


def profiles(event: Event) -> dict[int, Profile]:
    return {p.user_id: p for p in Profile.objects.filter(event=event)}


@dataclass
class Row:
    """One person on the organizer's pages and on the printed list."""

    user_id: int
    registration_id: int
    name: str
    kana: str
    email: str
    organization: str
    organization_root: str
    organization_root_id: int | None
    kind: str
    job_role: str
    job_role_label: str
    facilitator: bool
    group_number: int | None = None
    is_group_facilitator: bool = False


@dataclass
class GroupView:
    group: Group
    rows: list[Row] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.group.label


def _sort_key(row: Row):
    # Kana order (五十音順) within a group, as a reception desk reads a printed list.
    return (row.kana or "\uffff", row.name, row.email)


def rows(event: Event, plan: GroupPlan | None = None) -> list[Row]:
    """Every confirmed registrant with their organization, profile and group."""
    registrations = confirmed(event)
    info = organization_index(r.organization_id for r in registrations)
    found = profiles(event)
    placed: dict[int, int] = {}
    facilitators: set[int] = set()
    if plan is not None:
        placed = dict(GroupMember.objects.filter(plan=plan).values_list("user_id", "group__number"))
        facilitators = set(
            Group.objects.filter(plan=plan, facilitator__isnull=False).values_list(
                "facilitator_id", flat=True
            )
        )
    result = []
    for registration in registrations:
        user = registration.user
        org = info.get(registration.organization_id)
        profile = found.get(user.pk)
        result.append(
            Row(
                user_id=user.pk,
                registration_id=registration.pk,
                name=user.full_name or user.email,
                kana=user.full_name_kana,
                email=user.email,
                organization=org.display if org else "",
                organization_root=org.root_name if org else "",
                organization_root_id=org.root_id if org else None,
                kind=org.kind if org else "",
                job_role=profile.job_role if profile else "",
                job_role_label=profile.get_job_role_display() if profile and profile.job_role else "",
                facilitator=bool(profile and profile.facilitator),
                group_number=placed.get(user.pk),
                is_group_facilitator=user.pk in facilitators,
            )
        )
    return result


def people_for_generator(event_rows: list[Row]) -> list[Person]:
    return [
        Person(
            id=row.user_id,
            name=row.name,
            organization=row.organization_root_id,
            organization_name=row.organization_root,
            kind=row.kind,
            role=row.job_role,
            facilitator=row.facilitator,
        )
        for row in event_rows
    ]


def grouped(plan: GroupPlan, event_rows: list[Row]) -> tuple[list[GroupView], list[Row]]:
    """The groups with their members in kana order, and the confirmed people in no group."""
    views = {g.number: GroupView(group=g) for g in Group.objects.filter(plan=plan).order_by("number")}
    unplaced = []
    for row in event_rows:
        if row.group_number in views:
            views[row.group_number].rows.append(row)
        else:
            unplaced.append(row)
    for view in views.values():
        view.rows.sort(key=_sort_key)
    return list(views.values()), sorted(unplaced, key=_sort_key)


def pair_rules(plan: GroupPlan) -> list[PairRule]:
    return list(PairRule.objects.filter(plan=plan).select_related("first", "second"))


# --- what participants see ---------------------------------------------------------------


@dataclass
class MyGroup:
    label: str
    number: int
    members: list[tuple[str, str]]  # (name, organization), kana order, the person included
    facilitator: str = ""


def _member_lists(plan: GroupPlan, user_ids: Iterable[int] | None = None) -> dict[int, MyGroup]:
    """Group number → the group as its members see it (names and organizations only)."""
    members = (
        GroupMember.objects.filter(plan=plan, registration__status=Registration.Status.CONFIRMED)
        .select_related("user", "group__facilitator", "registration")
        .order_by("group__number")
    )
    if user_ids is not None:
        numbers = GroupMember.objects.filter(plan=plan, user_id__in=list(user_ids)).values("group_id")
        members = members.filter(group_id__in=numbers)
    members = list(members)
    info = organization_index(m.registration.organization_id for m in members)
    groups: dict[int, MyGroup] = {}
    sort_keys: dict[int, list] = {}
    for member in members:
        group = member.group
        entry = groups.setdefault(
            group.number,
            MyGroup(
                label=group.label,
                number=group.number,
                members=[],
                facilitator=(group.facilitator.full_name if group.facilitator_id else ""),
            ),
        )
        org = info.get(member.registration.organization_id)
        entry.members.append((member.user.full_name or member.user.email, org.display if org else ""))
        sort_keys.setdefault(group.number, []).append(member.user.full_name_kana or "\uffff")
    for number, entry in groups.items():
        order = sorted(range(len(entry.members)), key=lambda i: (sort_keys[number][i], entry.members[i]))
        entry.members = [entry.members[i] for i in order]
    return groups


def my_group(event: Event, user) -> MyGroup | None:
    """The person's own group, once locked; None for everyone else."""
    if not (user and user.is_authenticated):
        return None
    member = (
        GroupMember.objects.filter(
            plan__event=event,
            plan__status=GroupPlan.Status.LOCKED,
            user=user,
            registration__status=Registration.Status.CONFIRMED,
        )
        .select_related("plan", "group")
        .first()
    )
    if member is None:
        return None
    return _member_lists(member.plan, [user.pk]).get(member.group.number)


def groups_by_user(event_id: int) -> dict[int, MyGroup]:
    """For the reminder mail: each placed person's group, for a locked plan (else empty)."""
    plan = GroupPlan.objects.filter(event_id=event_id, status=GroupPlan.Status.LOCKED).first()
    if plan is None:
        return {}
    lists = _member_lists(plan)
    placed = GroupMember.objects.filter(plan=plan).values_list("user_id", "group__number")
    return {user_id: lists[number] for user_id, number in placed if number in lists}


def same_group_user_ids(event: Event, user) -> set[int]:
    """The other members of the person's group in a locked plan (empty otherwise)."""
    member = GroupMember.objects.filter(
        plan__event=event,
        plan__status=GroupPlan.Status.LOCKED,
        user=user,
        registration__status=Registration.Status.CONFIRMED,
    ).first()
    if member is None:
        return set()
    return set(
        GroupMember.objects.filter(
            group_id=member.group_id, registration__status=Registration.Status.CONFIRMED
        )
        .exclude(user=user)
        .values_list("user_id", flat=True)
    )


def mail_text(group: MyGroup | None) -> str:
    """The group block of the reminder mail, in the active language (plain text)."""
    if group is None:
        return ""
    lines = [_("Your group: %(label)s") % {"label": group.label}]
    if group.facilitator:
        lines.append(_("Facilitator: %(name)s") % {"name": group.facilitator})
    for name, organization in group.members:
        lines.append(f"・{name}（{organization}）" if organization else f"・{name}")
    return "\n".join(lines)
