"""The maximum flow used by the bounds equals the minimum cut, brute-forced."""

from __future__ import annotations

import itertools
import random

import pytest

from roundtable.scheduling.flow import max_flow


def _min_cut(supplies: list[int], capacities: list[int], edges: list[tuple[int, int]]) -> int:
    """Least over sets A of sources kept on the source side: what the others supply plus
    the capacity of every sink A reaches (edges are unlimited, so those sinks are cut)."""
    best = sum(supplies)
    for kept in itertools.product((False, True), repeat=len(supplies)):
        reached = {j for i, j in edges if kept[i]}
        cut = sum(s for s, k in zip(supplies, kept, strict=True) if not k)
        best = min(best, cut + sum(capacities[j] for j in reached))
    return best


@pytest.mark.parametrize("seed", range(60))
def test_max_flow_equals_the_brute_forced_min_cut(seed):
    rng = random.Random(seed)
    supplies = [rng.randint(0, 5) for _ in range(rng.randint(1, 7))]
    capacities = [rng.randint(0, 6) for _ in range(rng.randint(1, 5))]
    edges = [
        (i, j) for i in range(len(supplies)) for j in range(len(capacities)) if rng.random() < 0.4
    ]
    assert max_flow(supplies, capacities, edges) == _min_cut(supplies, capacities, edges)


def test_a_flow_the_greedy_start_gets_wrong_is_repaired():
    # greedy sends source 0 to sink 0; the maximum reroutes it to sink 1 for source 1
    assert max_flow([1, 1], [1, 1], [(0, 0), (0, 1), (1, 0)]) == 2
