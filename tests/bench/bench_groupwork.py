"""Benchmark: breakout-group generation for 46, 300 and 3,000 people (`make bench`).

Groups of 5 with at most one person per organization — satisfiable by construction (no
organization sends more people than there are groups) — so the generator must report
zero broken rules. The floor is a random assignment of the same people into the same
number of groups, timed and scored with the same rule count (groupwork.generator.count_violations).
Pure Python: no database. Time is the best of three runs.
"""

from __future__ import annotations

import math
import random
import time

SIZES = (46, 300, 3000)
GROUP_SIZE = 5
RUNS = 3
KINDS = ("municipality", "council_of_social_welfare", "npo", "medical")


def _people(n: int):
    from groupwork.generator import Person

    rng = random.Random(n)
    groups = math.ceil(n / GROUP_SIZE)
    # Organizations of uneven size (a few large municipalities, many small bodies), none
    # larger than the number of groups.
    sizes = []
    left = n
    while left:
        size = min(left, groups, max(1, int(rng.paretovariate(1.2))))
        sizes.append(size)
        left -= size
    people = []
    for org, size in enumerate(sizes):
        for _ in range(size):
            people.append(
                Person(
                    id=len(people) + 1,
                    name=f"参加者{len(people) + 1}",
                    organization=org,
                    organization_name=f"団体{org}",
                    kind=KINDS[org % len(KINDS)],
                )
            )
    rng.shuffle(people)
    return people, len(sizes)


def _best(fn):
    best, result = None, None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def run() -> list[dict]:
    from groupwork.generator import Constraints, count_violations, generate, random_groups

    rows = []
    for n in SIZES:
        people, organizations = _people(n)
        constraints = Constraints(group_size=GROUP_SIZE, max_per_organization=1)
        took, result = _best(
            lambda people=people, constraints=constraints: generate(people, constraints, seed=2022)
        )
        k = len(result.groups)
        floor_took, floor_groups = _best(lambda people=people, k=k: random_groups(people, k, seed=2022))
        floor_broken = count_violations(floor_groups, people, constraints)["organization"]
        label = f"group generation, {n:,} people from {organizations:,} organizations, groups of {GROUP_SIZE}, ≤ 1 per organization"
        rows.append(
            {
                "figure": f"{label}: time",
                "value": f"{took * 1000:.2f}",
                "floor": f"{floor_took * 1000:.3f}",
                "ratio": f"{took / floor_took:.0f}" if floor_took else "—",
                "unit": "ms",
                "target": "46 people well under 1 s" if n == 46 else "",
            }
        )
        rows.append(
            {
                "figure": f"{label}: people sharing a group with a colleague (broken rules)",
                "value": result.violations["organization"],
                "floor": floor_broken,
                "ratio": "—",
                "unit": "",
                "target": "0 (the rule can be kept) " + ("✓" if result.total_violations == 0 else "✗"),
            }
        )
    return rows
