"""Breakout groups that mix agencies: a pure, deterministic function of its input and a seed.

No database, no clock: the same people, constraints, placements and seed always give the
same groups (tested on random instances), so an organizer who regenerates with the seed
shown on the page gets back what they saw.

How it works, and why:
1. People kept together become one unit (union-find); contradictions that no assignment
   can satisfy (together and apart at once, a unit larger than a group, a unit with more
   colleagues than the per-organization limit) are refused before anything is built.
2. Group sizes are fixed up front so that they differ by at most one.
3. Placed people (a locked or adjusted plan being regenerated) stay where they are.
4. Facilitators are dealt one per group; other multi-person units go where they cost least.
5. Everyone else is sorted by (kind of organization, organization, role) — each block in a
   seeded order — and dealt round robin. For single people this alone meets "at most N per
   organization" whenever it can be met: an organization's block of c ≤ N·k people reaches
   each of the k groups at most ⌈c/k⌉ ≤ N times, and the same holds for each kind.
6. A repair pass swaps people who break a rule with people elsewhere when that lowers the
   weighted count of broken rules (first improvement, seeded candidate order).
7. Whatever still breaks a rule is explained in words, not hidden.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import UserError

# Weights of the broken rules: apart outranks the organization limit, which outranks
# the facilitator, which outranks the spread of kinds and roles.
W_APART = 1000
W_ORG = 100
W_FACILITATOR = 50
W_KIND = 10
W_ROLE = 5
MAX_PASSES = 30
# Swap partners tried per troubled person and pass: everyone up to this many people, a
# seeded sample beyond (3,000 people stay in seconds, not minutes).
MAX_CANDIDATES = 600
# Attempts with different starts: up to MAX_ATTEMPTS, fewer for big meetings (people × attempts
# stays under the budget), stopping at the first with nothing broken.
MAX_ATTEMPTS = 24
# …and stopping once this many attempts in a row found nothing better.
MAX_STALE_ATTEMPTS = 8
ATTEMPT_BUDGET = 3000
# Move and swap tries priced per call of generate(), over all attempts.
SWAP_BUDGET = 300_000


class GroupingError(UserError):
    """Input that no grouping can satisfy; str(error) is for the organizer."""


@dataclass(frozen=True)
class Person:
    id: int
    name: str = ""
    organization: int | None = None  # the top organization (市, 社協 …), not the department
    organization_name: str = ""
    kind: str = ""  # kind of organization
    role: str = ""  # job role
    facilitator: bool = False


@dataclass(frozen=True)
class Constraints:
    group_size: int | None = None
    group_count: int | None = None
    max_per_organization: int | None = None
    spread_kinds: bool = False
    spread_roles: bool = False
    together: tuple[tuple[int, ...], ...] = ()
    apart: tuple[tuple[int, int], ...] = ()
    facilitators: bool = False  # one facilitator per group, from the people marked as such


@dataclass
class Result:
    groups: list[list[int]]
    facilitators: list[int | None]
    violations: dict[str, int]
    unmet: list[str] = field(default_factory=list)
    seed: int = 0

    @property
    def total_violations(self) -> int:
        return sum(self.violations.values())

    def group_of(self) -> dict[int, int]:
        return {pid: index for index, members in enumerate(self.groups) for pid in members}


# --- input checks ---------------------------------------------------------------------------


def group_count_for(n: int, constraints: Constraints) -> int:
    """How many groups; raises GroupingError for a size or count that cannot work."""
    if n == 0:
        raise GroupingError(_("There are no confirmed registrants to put into groups."))
    size, count = constraints.group_size, constraints.group_count
    if (size is None) == (count is None):
        raise GroupingError(_("Give either a group size or a number of groups, not both."))
    if size is not None:
        if size < 1:
            raise GroupingError(_("The group size must be at least 1."))
        if size > n:
            raise GroupingError(
                _("The group size (%(size)s) is larger than the number of people (%(count)s).")
                % {"size": size, "count": n}
            )
        return math.ceil(n / size)
    if count < 1:
        raise GroupingError(_("The number of groups must be at least 1."))
    if count > n:
        raise GroupingError(
            _("There are more groups (%(groups)s) than people (%(count)s).") % {"groups": count, "count": n}
        )
    return count


def _names(people: dict[int, Person], ids: Iterable[int]) -> str:
    return "、".join(people[i].name or str(i) for i in sorted(ids, key=lambda i: (people[i].name, i)))


class _Units:
    """Union-find over the people kept together."""

    def __init__(self, ids: Iterable[int]) -> None:
        self.parent = {i: i for i in ids}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> list[list[int]]:
        found: dict[int, list[int]] = {}
        for i in sorted(self.parent):
            found.setdefault(self.find(i), []).append(i)
        return list(found.values())


def _check_contradictions(
    people: dict[int, Person], units: list[list[int]], constraints: Constraints, capacity: int
) -> None:
    unit_of = {pid: index for index, unit in enumerate(units) for pid in unit}
    for a, b in constraints.apart:
        if a in unit_of and b in unit_of and a != b and unit_of[a] == unit_of[b]:
            raise GroupingError(
                _("%(a)s and %(b)s are to be kept together and apart at the same time.")
                % {"a": _names(people, [a]), "b": _names(people, [b])}
            )
    for unit in units:
        if len(unit) == 1:
            continue
        if len(unit) > capacity:
            raise GroupingError(
                _("%(names)s are to be kept together, but a group holds at most %(size)s people.")
                % {"names": _names(people, unit), "size": capacity}
            )
        limit = constraints.max_per_organization
        if limit:
            by_org = Counter(people[p].organization for p in unit if people[p].organization is not None)
            for org, count in by_org.items():
                if count > limit:
                    colleagues = [p for p in unit if people[p].organization == org]
                    raise GroupingError(
                        ngettext(
                            "%(names)s of %(org)s are to be kept together, but a group may hold at most "
                            "%(max)s person from one organization.",
                            "%(names)s of %(org)s are to be kept together, but a group may hold at most "
                            "%(max)s people from one organization.",
                            limit,
                        )
                        % {
                            "names": _names(people, colleagues),
                            "org": people[colleagues[0]].organization_name or "—",
                            "max": limit,
                        }
                    )


# --- the state being built ----------------------------------------------------------------


class _Board:
    """Groups with counters per organization, kind, role and facilitators, so the cost of a
    group is computed from a handful of dictionary entries rather than from its members."""

    def __init__(self, people: dict[int, Person], k: int, constraints: Constraints) -> None:
        self.people = people
        self.k = k
        self.c = constraints
        self.members: list[list[int]] = [[] for _ in range(k)]
        self.where: dict[int, int] = {}
        self.org = [Counter() for _ in range(k)]
        self.kind = [Counter() for _ in range(k)]
        self.role = [Counter() for _ in range(k)]
        self.fac = [0] * k
        self.apart: dict[int, set[int]] = {}
        for a, b in constraints.apart:
            if a in people and b in people and a != b:
                self.apart.setdefault(a, set()).add(b)
                self.apart.setdefault(b, set()).add(a)
        n = len(people)
        self.org_totals = Counter(p.organization for p in people.values() if p.organization is not None)
        totals_kind = Counter(p.kind for p in people.values() if p.kind)
        totals_role = Counter(p.role for p in people.values() if p.role)
        self.kind_cap = {v: math.ceil(c / k) for v, c in totals_kind.items()}
        self.role_cap = {v: math.ceil(c / k) for v, c in totals_role.items()}
        self.max_org = constraints.max_per_organization or n
        self.base, self.extra = n // k, n % k
        self.big = 0  # groups larger than `base`

    def add(self, pid: int, g: int) -> None:
        p = self.people[pid]
        self.members[g].append(pid)
        if len(self.members[g]) == self.base + 1:
            self.big += 1
        self.where[pid] = g
        if p.organization is not None:
            self.org[g][p.organization] += 1
        if p.kind:
            self.kind[g][p.kind] += 1
        if p.role:
            self.role[g][p.role] += 1
        if p.facilitator:
            self.fac[g] += 1

    def remove(self, pid: int) -> int:
        g = self.where.pop(pid)
        p = self.people[pid]
        if len(self.members[g]) == self.base + 1:
            self.big -= 1
        self.members[g].remove(pid)
        # Keys at zero are dropped: a group's cost reads only what it holds.
        if p.organization is not None:
            _decrement(self.org[g], p.organization)
        if p.kind:
            _decrement(self.kind[g], p.kind)
        if p.role:
            _decrement(self.role[g], p.role)
        if p.facilitator:
            self.fac[g] -= 1
        return g

    # Broken rules in one group, by kind of rule.
    def breaks(self, g: int) -> dict[str, int]:
        c = self.c
        result = {"organization": 0, "apart": 0, "facilitator": 0, "kinds": 0, "roles": 0}
        if c.max_per_organization:
            result["organization"] = sum(max(0, n - self.max_org) for n in self.org[g].values())
        if self.apart:
            inside = set(self.members[g])
            result["apart"] = (
                sum(len(self.apart.get(pid, ()) & inside) for pid in self.members[g] if pid in self.apart)
                // 2
            )
        if c.facilitators:
            f = self.fac[g]
            result["facilitator"] = max(0, f - 1) + (1 if f == 0 else 0)
        if c.spread_kinds:
            result["kinds"] = sum(max(0, n - self.kind_cap[v]) for v, n in self.kind[g].items())
        if c.spread_roles:
            result["roles"] = sum(max(0, n - self.role_cap[v]) for v, n in self.role[g].items())
        return result

    def cost(self, g: int) -> int:
        b = self.breaks(g)
        return (
            W_APART * b["apart"]
            + W_ORG * b["organization"]
            + W_FACILITATOR * b["facilitator"]
            + W_KIND * b["kinds"]
            + W_ROLE * b["roles"]
        )

    def delta_if_added(self, pid: int, g: int) -> int:
        """What adding one person to group g adds to its cost (the same as cost() after
        add() minus cost() before, read from the counters)."""
        p, c, delta = self.people[pid], self.c, 0
        if c.max_per_organization and p.organization is not None:
            delta += W_ORG * (self.org[g][p.organization] >= self.max_org)
        if pid in self.apart:
            delta += W_APART * len(self.apart[pid].intersection(self.members[g]))
        if c.facilitators and p.facilitator:
            delta += -W_FACILITATOR if self.fac[g] == 0 else W_FACILITATOR
        if c.spread_kinds and p.kind:
            delta += W_KIND * (self.kind[g][p.kind] >= self.kind_cap[p.kind])
        if c.spread_roles and p.role:
            delta += W_ROLE * (self.role[g][p.role] >= self.role_cap[p.role])
        return delta

    # --- prices of a change, from the counters (equal to the change of cost()) ----------
    @staticmethod
    def _over(count: int, cap: int) -> int:
        return count - cap if count > cap else 0

    def _counted_delta(self, counters, caps, weight: int, a, b, g: int, h: int) -> int:
        """One person with value a leaves g for h, one with value b leaves h for g (b=None: nobody)."""
        if a == b:
            return 0
        over, delta = self._over, 0
        if a:
            cap = caps(a)
            delta += over(counters[g][a] - 1, cap) - over(counters[g][a], cap)
            delta += over(counters[h][a] + 1, cap) - over(counters[h][a], cap)
        if b:
            cap = caps(b)
            delta += over(counters[h][b] - 1, cap) - over(counters[h][b], cap)
            delta += over(counters[g][b] + 1, cap) - over(counters[g][b], cap)
        return weight * delta

    @staticmethod
    def _fac_term(f: int) -> int:
        return max(0, f - 1) + (1 if f == 0 else 0)

    def _apart_in(self, pid: int, g: int, ignore: int | None = None) -> int:
        return sum(1 for other in self.apart.get(pid, ()) if other != ignore and self.where.get(other) == g)

    def _delta(self, p: Person, q: Person | None, g: int, h: int) -> int:
        c, delta = self.c, 0

        def qv(attr):
            return getattr(q, attr) if q is not None else None

        if c.max_per_organization:
            delta += self._counted_delta(
                self.org, lambda _v: self.max_org, W_ORG, p.organization, qv("organization"), g, h
            )
        if c.spread_kinds:
            delta += self._counted_delta(self.kind, self.kind_cap.get, W_KIND, p.kind, qv("kind"), g, h)
        if c.spread_roles:
            delta += self._counted_delta(self.role, self.role_cap.get, W_ROLE, p.role, qv("role"), g, h)
        if c.facilitators:
            moved = int(p.facilitator) - int(bool(q and q.facilitator))
            if moved:
                t = self._fac_term
                delta += W_FACILITATOR * (
                    t(self.fac[g] - moved) - t(self.fac[g]) + t(self.fac[h] + moved) - t(self.fac[h])
                )
        if self.apart:
            qid = q.id if q is not None else None
            apart = self._apart_in(p.id, h, qid) - self._apart_in(p.id, g, qid)
            if q is not None:
                apart += self._apart_in(q.id, g, p.id) - self._apart_in(q.id, h, p.id)
            delta += W_APART * apart
        return delta

    def move_delta(self, pid: int, h: int) -> int:
        return self._delta(self.people[pid], None, self.where[pid], h)

    def swap_delta(self, pid: int, other: int) -> int:
        return self._delta(self.people[pid], self.people[other], self.where[pid], self.where[other])

    def is_troubled(self, pid: int) -> bool:
        """Does this person take part in a broken rule of their group?"""
        g, p, c = self.where[pid], self.people[pid], self.c
        if (
            c.max_per_organization
            and p.organization is not None
            and self.org[g][p.organization] > self.max_org
        ):
            return True
        if pid in self.apart and self._apart_in(pid, g):
            return True
        # A second facilitator in a group looks for a group without one (not the other way
        # round: with fewer facilitators than groups, everyone in the others would search).
        if c.facilitators and p.facilitator and self.fac[g] > 1:
            return True
        if c.spread_kinds and p.kind and self.kind[g][p.kind] > self.kind_cap[p.kind]:
            return True
        return bool(c.spread_roles and p.role and self.role[g][p.role] > self.role_cap[p.role])


def _decrement(counter: Counter, key) -> None:
    if counter[key] <= 1:
        del counter[key]
    else:
        counter[key] -= 1


def generate(
    people: Sequence[Person],
    constraints: Constraints,
    *,
    seed: int,
    placed: dict[int, int] | None = None,
) -> Result:
    """Groups for these people. `placed` maps a person to the group (index) they stay in
    (a plan being regenerated keeps at least the groups its placements use).
    Raises GroupingError for input that cannot work."""
    by_id: dict[int, Person] = {}
    for p in people:
        by_id.setdefault(p.id, p)
    n = len(by_id)
    k = group_count_for(n, constraints)
    placed = {pid: g for pid, g in (placed or {}).items() if pid in by_id and g >= 0}
    k = max(k, max(placed.values(), default=-1) + 1)
    if constraints.max_per_organization is not None and constraints.max_per_organization < 1:
        raise GroupingError(_("The limit per organization must be at least 1."))

    union = _Units(by_id)
    for chain in constraints.together:
        inside = [pid for pid in chain if pid in by_id]
        for a, b in itertools.pairwise(inside):
            union.union(a, b)
    units = union.groups()
    capacity = math.ceil(n / k)
    _check_contradictions(by_id, units, constraints, capacity)

    # Several seeded attempts for small and middle-sized meetings, keeping the best: a tight
    # instance can trap one attempt's swaps, another start rarely is. Still one answer per seed.
    attempts = max(1, min(MAX_ATTEMPTS, ATTEMPT_BUDGET // n))
    seeds = random.Random(seed)
    best: tuple[int, _Board, list[str]] | None = None
    budget = [SWAP_BUDGET]
    floor = _unavoidable(by_id, k, constraints)
    stale = 0
    for attempt in range(attempts):
        if attempt and (budget[0] <= 0 or stale >= MAX_STALE_ATTEMPTS):
            break
        rng = random.Random(seed if attempt == 0 else seeds.random())
        board, unmet = _attempt(by_id, units, placed, k, constraints, rng, budget)
        cost = sum(board.cost(g) for g in range(k))
        if best is None or cost < best[0]:
            best, stale = (cost, board, unmet), 0
        else:
            stale += 1
        if _violations(board) == floor:
            break
    _cost, board, unmet = best
    facilitators = _designate_facilitators(board, constraints)
    violations = _violations(board)
    unmet = unmet + _explain(board, violations, facilitators)
    return Result(
        groups=[sorted(m) for m in board.members],
        facilitators=facilitators,
        violations=violations,
        unmet=unmet,
        seed=seed,
    )


def _unavoidable(people: dict[int, Person], k: int, constraints: Constraints) -> dict[str, int]:
    """Broken rules no grouping can avoid: an organization with more people than
    k × the limit (an attempt that reaches this stops the search)."""
    floor = dict.fromkeys(("organization", "apart", "facilitator", "kinds", "roles"), 0)
    limit = constraints.max_per_organization
    if limit:
        totals = Counter(p.organization for p in people.values() if p.organization is not None)
        floor["organization"] = sum(max(0, c - limit * k) for c in totals.values())
    return floor


def _attempt(
    by_id: dict[int, Person],
    units: list[list[int]],
    placed: dict[int, int],
    k: int,
    constraints: Constraints,
    rng: random.Random,
    budget: list[int],
) -> tuple[_Board, list[str]]:
    board = _Board(by_id, k, constraints)
    unmet: list[str] = []

    # Placed people stay; the rest of a unit joins its placed member.
    movable_units: list[list[int]] = []
    fixed: set[int] = set()
    for unit in units:
        spots = {placed[pid] for pid in unit if pid in placed}
        if not spots:
            movable_units.append(unit)
            continue
        if len(spots) > 1:
            unmet.append(
                _("%(names)s could not be kept together: they were already placed in different groups.")
                % {"names": _names(by_id, unit)}
            )
        anchor = min(spots)
        for pid in unit:
            board.add(pid, placed.get(pid, anchor))
            fixed.add(pid)
    base, extra = board.base, board.extra

    def room(g: int) -> int:
        """Places left in g: up to `base`, and one more while fewer than `extra` groups are
        larger than `base` (which groups grow is left open, so a unit goes where it fits)."""
        size = len(board.members[g])
        if size > base:
            return 0
        return base - size + (1 if board.big < extra else 0)

    group_order = list(range(k))
    rng.shuffle(group_order)

    def place_unit(unit: list[int]) -> None:
        best = None
        for g in group_order:
            fits = room(g) >= len(unit)
            if len(unit) == 1:
                cost = board.delta_if_added(unit[0], g)
            else:
                before = board.cost(g)
                for pid in unit:
                    board.add(pid, g)
                cost = board.cost(g) - before
                for pid in unit:
                    board.remove(pid)
            key = (not fits, cost, -room(g))
            if best is None or key < best[0]:
                best = (key, g)
        for pid in unit:
            board.add(pid, best[1])

    # Facilitators first, one per group where they fit, then the other multi-person units.
    shuffled = list(movable_units)
    rng.shuffle(shuffled)
    led = [any(by_id[p].facilitator for p in u) for u in shuffled]
    with_facilitator = [u for u, f in zip(shuffled, led, strict=True) if f]
    clusters = [u for u, f in zip(shuffled, led, strict=True) if len(u) > 1 and not f]
    singles = [u[0] for u, f in zip(shuffled, led, strict=True) if len(u) == 1 and not f]
    if constraints.facilitators:
        for unit in sorted(with_facilitator, key=len, reverse=True):
            place_unit(unit)
    else:
        singles += [u[0] for u in with_facilitator if len(u) == 1]
        clusters += [u for u in with_facilitator if len(u) > 1]
    for unit in sorted(clusters, key=len, reverse=True):
        place_unit(unit)

    # Single people: blocks by kind, organization and role in a seeded order, dealt round robin.
    kinds = sorted({by_id[p].kind for p in singles})
    orgs = sorted({by_id[p].organization or 0 for p in singles})
    roles = sorted({by_id[p].role for p in singles})
    rng.shuffle(kinds)
    rng.shuffle(orgs)
    rng.shuffle(roles)
    kind_rank = {v: i for i, v in enumerate(kinds)}
    org_rank = {v: i for i, v in enumerate(orgs)}
    role_rank = {v: i for i, v in enumerate(roles)}
    tiebreak = {pid: rng.random() for pid in singles}
    singles.sort(
        key=lambda pid: (
            kind_rank[by_id[pid].kind],
            org_rank[by_id[pid].organization or 0],
            role_rank[by_id[pid].role],
            tiebreak[pid],
        )
    )
    cursor = 0
    for pid in singles:
        # The next group in turn that has room and where this person breaks nothing; the
        # turn order alone finds it at once unless an apart rule or a crowded group is hit.
        best: tuple[int, int] | None = None
        for step in range(k):
            g = group_order[(cursor + step) % k]
            if room(g) <= 0:
                continue
            delta = board.delta_if_added(pid, g)
            if best is None or delta < best[0]:
                best = (delta, step)
            if delta <= 0:
                break
        if best is None:
            place_unit([pid])
            continue
        board.add(pid, group_order[(cursor + best[1]) % k])
        cursor = (cursor + best[1] + 1) % k

    _repair(board, rng, budget=budget, movable=set(singles) | _movable_facilitators(board, fixed, units))

    return board, unmet


def _movable_facilitators(board: _Board, fixed: set[int], units: list[list[int]]) -> set[int]:
    singles = {u[0] for u in units if len(u) == 1}
    return {pid for pid in singles if pid not in fixed and board.people[pid].facilitator}


def _repair(board: _Board, rng: random.Random, *, movable: set[int], budget: list[int]) -> None:
    """Move or swap people who break a rule while that lowers the cost.

    Each try is priced from the counters (board.move_delta / swap_delta), and the tries of
    one call to generate() share `budget`: a hopeless instance (84 people of one city in two
    groups, at most one per city) stops after a bounded amount of work, the same amount for
    the same input, so the answer still depends on the seed alone.
    """
    movable_list = sorted(movable)
    if not movable_list:
        return
    for _pass in range(MAX_PASSES):
        improved = False
        troubled = [pid for pid in movable_list if board.is_troubled(pid)]
        if not troubled:
            return
        rng.shuffle(troubled)
        for pid in troubled:
            if budget[0] <= 0:
                return
            if not board.is_troubled(pid):
                continue
            g = board.where[pid]
            if len(board.members[g]) > board.base:
                # g is one of the larger groups: the person may simply move to a smaller one.
                targets = [h for h in range(board.k) if len(board.members[h]) == board.base and h != g]
                rng.shuffle(targets)
                targets = targets[:MAX_CANDIDATES]
                budget[0] -= len(targets)
                best = min(((board.move_delta(pid, h), i, h) for i, h in enumerate(targets)), default=None)
                if best is not None and best[0] < 0:
                    board.remove(pid)
                    board.add(pid, best[2])
                    improved = True
                    continue
            if len(movable_list) <= MAX_CANDIDATES:
                candidates = movable_list[:]
                rng.shuffle(candidates)
            else:
                candidates = rng.sample(movable_list, MAX_CANDIDATES)
            for other in candidates:
                budget[0] -= 1
                h = board.where[other]
                if h == g or board.swap_delta(pid, other) >= 0:
                    continue
                board.remove(pid)
                board.remove(other)
                board.add(pid, h)
                board.add(other, g)
                improved = True
                break
        if not improved:
            return


def _designate_facilitators(board: _Board, constraints: Constraints) -> list[int | None]:
    result: list[int | None] = []
    for members in board.members:
        marked = sorted(pid for pid in members if board.people[pid].facilitator)
        result.append(marked[0] if constraints.facilitators and marked else None)
    return result


def _violations(board: _Board) -> dict[str, int]:
    total = Counter()
    for g in range(board.k):
        total.update(board.breaks(g))
    keys = ("organization", "apart", "facilitator", "kinds", "roles")
    result = {key: total.get(key, 0) for key in keys}
    if board.c.facilitators:
        # Groups without a facilitator only count when there were enough facilitators.
        facilitators = sum(1 for p in board.people.values() if p.facilitator)
        empty = sum(1 for f in board.fac if f == 0)
        result["facilitator"] = max(0, empty - max(0, board.k - facilitators))
    return result


def _listing(labels: list[str], limit: int = 10) -> str:
    if len(labels) <= limit:
        return "、".join(labels)
    return _("%(list)s and %(count)s more") % {
        "list": "、".join(labels[:limit]),
        "count": len(labels) - limit,
    }


def group_label(index: int) -> str:
    return _("Group %(number)s") % {"number": index + 1}


def _explain(board: _Board, violations: dict[str, int], facilitators: list[int | None]) -> list[str]:
    notes: list[str] = []
    people, k = board.people, board.k
    if violations["organization"]:
        for g in range(k):
            for org, count in sorted(board.org[g].items(), key=lambda kv: str(kv[0])):
                if count > board.max_org:
                    name = next(
                        (
                            people[p].organization_name
                            for p in board.members[g]
                            if people[p].organization == org
                        ),
                        "",
                    )
                    values = {
                        "group": group_label(g),
                        "count": count,
                        "org": name or "—",
                        "max": board.max_org,
                    }
                    if board.org_totals[org] > board.max_org * k:
                        notes.append(
                            _(
                                "%(group)s has %(count)s people from %(org)s (at most %(max)s asked): "
                                "there are not enough groups to spread them."
                            )
                            % values
                        )
                    else:
                        notes.append(
                            _(
                                "%(group)s has %(count)s people from %(org)s (at most %(max)s asked): "
                                "no other place kept the other rules."
                            )
                            % values
                        )
    if violations["apart"]:
        for g in range(k):
            inside = set(board.members[g])
            for a in sorted(inside):
                for b in sorted(board.apart.get(a, set()) & inside):
                    if a < b:
                        notes.append(
                            _("%(a)s and %(b)s are both in %(group)s: no other place kept the other rules.")
                            % {"a": _names(people, [a]), "b": _names(people, [b]), "group": group_label(g)}
                        )
    if board.c.facilitators:
        count = sum(1 for p in people.values() if p.facilitator)
        without = [group_label(g) for g in range(k) if facilitators[g] is None]
        if without:
            notes.append(
                ngettext(
                    "There is %(count)s facilitator for %(groups)s groups; without a facilitator: %(list)s.",
                    "There are %(count)s facilitators for %(groups)s groups; without a facilitator: %(list)s.",
                    count,
                )
                % {"count": count, "groups": k, "list": _listing(without)}
            )
    if violations["kinds"]:
        crowded = [group_label(g) for g in range(k) if board.breaks(g)["kinds"]]
        notes.append(
            _("Kinds of organization could not be spread evenly in %(list)s.") % {"list": _listing(crowded)}
        )
    if violations["roles"]:
        crowded = [group_label(g) for g in range(k) if board.breaks(g)["roles"]]
        notes.append(_("Job roles could not be spread evenly in %(list)s.") % {"list": _listing(crowded)})
    sizes = [len(m) for m in board.members]
    if sizes and max(sizes) - min(sizes) > 1:
        notes.append(
            _("Group sizes range from %(min)s to %(max)s: people already placed were kept where they are.")
            % {"min": min(sizes), "max": max(sizes)}
        )
    return notes


def count_violations(
    groups: Sequence[Sequence[int]], people: Sequence[Person], constraints: Constraints
) -> dict:
    """The broken rules of any grouping (the benchmark's random floor is scored with it)."""
    by_id = {p.id: p for p in people}
    board = _Board(by_id, len(groups), constraints)
    for g, members in enumerate(groups):
        for pid in members:
            board.add(pid, g)
    return _violations(board)


def random_groups(people: Sequence[Person], k: int, *, seed: int) -> list[list[int]]:
    """Everyone shuffled and dealt into k groups: the floor a generator must beat."""
    ids = [p.id for p in people]
    random.Random(seed).shuffle(ids)
    return [ids[g::k] for g in range(k)]
