from django import template

register = template.Library()


@register.filter
def lines(value) -> list[str]:
    """Text written one point per line, as list items (the casebook's bullets)."""
    return [line.strip().lstrip("・").strip() for line in str(value or "").splitlines() if line.strip()]


@register.filter
def mean(value, digits=2):
    if value is None:
        return "—"
    return f"{value:.{int(digits)}f}"


@register.filter
def item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def participant_groups(rows) -> list[tuple[list, list]]:
    """参加自治体 per event, merged where the sessions had the same list: [(events, orgs)]."""
    groups: list[tuple[list, list]] = []
    for row in rows:
        orgs = list(row.event.participating_organizations.all())
        if not orgs:
            continue
        key = [(po.organization_id, po.departments) for po in orgs]
        for events, existing in groups:
            if [(po.organization_id, po.departments) for po in existing] == key:
                events.append(row.event)
                break
        else:
            groups.append(([row.event], orgs))
    return groups


@register.filter
def group_of(row, key):
    """One group's figures of an EventRow (the municipality's own people)."""
    return row.group(key) if row is not None and key is not None else None
