"""Whether as many facilitators as the solver-free bound allows can really lead, by HiGHS.

Spread pays 10 for every group beyond a facilitator's first, so its bound rests on the
most facilitators who can lead (`bounds.most_leaders`), which counts only what the held
preferences leave the leaders to pay. On typical 100 that allows all 15 while every
answer has at most 14 (71 against a bound of 61): the conflict is among the leaders' and
the learners' options together, which no relaxation of the LP's strength shows, and
HiGHS needs 5-12 s of branching on the held model to show it.

What makes it quick is what the count of leaders leaves to spend: with `d` leaders and
`G` groups the leaders pay at least their cheapest starts (`bounds.least_leader_cost`)
and the learners the sum of theirs, so no answer with `d` leaders uses an option costing
its learner or leader more than their cheapest by more than the held preferences leave
above those sums. Those options are fixed at 0, the learners made continuous (a
relaxation: what it rules out, no answer has) and HiGHS asked for any answer with `d`
leaders: infeasible in 0.7 s on typical 100 (13 s with the learners integral).
"""

from __future__ import annotations

import time
from typing import Any

from roundtable.scheduling.bounds import leader_slots, learner_cost_bound, least_leader_cost
from roundtable.scheduling.formulation import Formulation
from roundtable.scheduling.highs import Runner
from roundtable.scheduling.highs_model import LEAST_SECONDS, OnThread, learners_integral
from roundtable.scheduling.neighbourhood import group_columns
from roundtable.scheduling.problem import Problem
from roundtable.scheduling.search import existing_loads


def too_many_leaders(runner: Runner, new_groups: int, leaders: int, budget: float) -> bool:
    """Whether HiGHS shows that no answer keeping the runner's holds (placed and
    preferences among them) and having at least `new_groups` new groups has `leaders`
    facilitators leading (existing groups' leaders counted). False when unknown."""
    return leaders_test(runner, new_groups, leaders, budget) is True


def leaders_test(
    runner: Runner,
    new_groups: int,
    leaders: int,
    budget: float,
    on_thread: OnThread | None = None,
) -> bool | None:
    """`too_many_leaders`, and whether it is known: True where HiGHS shows no answer has
    so many leaders, False where it finds one that has, None where neither is shown (the
    time limit, or `on_thread`, the thread it runs on, cancelled)."""
    import highspy
    import numpy as np

    began = time.monotonic()
    problem, held = runner.problem, dict(runner.holds)
    if "placed" not in held or "preferences" not in held or not problem.facilitated:
        return None
    already = leader_slots(problem)[2]
    if leaders <= already:
        return None
    spare = (
        held["preferences"]
        - learner_cost_bound(problem, held["placed"])
        - least_leader_cost(problem, new_groups, leaders - already)
    )
    if spare < 0:
        return True  # the leaders cannot even pay their cheapest starts
    model, highs = runner.on_own_instance()._loaded()
    fixed = _dearer_than(problem, model, spare)
    highs.changeColsBounds(len(fixed), np.array(fixed, dtype=np.int32), *[np.zeros(len(fixed))] * 2)
    learners_integral(highs, model, False)
    columns = [col for _start, col in group_columns(model)]
    highs.addRow(
        new_groups,
        highspy.kHighsInf,
        len(columns),
        np.array(columns, dtype=np.int32),
        np.ones(len(columns)),
    )
    _count_leaders(highs, model, leaders - already, existing_loads(problem))
    highs.changeColsCost(
        highs.getNumCol(), np.arange(highs.getNumCol(), dtype=np.int32), np.zeros(highs.getNumCol())
    )
    left = budget - (time.monotonic() - began)
    if left < LEAST_SECONDS:
        return None
    highs.setOptionValue("time_limit", left)
    if on_thread is not None:
        highs.cbMipInterrupt.subscribe(on_thread.stop_if_cancelled)
        highs.cbSimplexInterrupt.subscribe(on_thread.stop_if_cancelled)
    highs.run()
    if highs.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
        return True
    return False if highs.getInfo().primal_solution_status == 2 else None  # 2: feasible


class LeadersAhead(OnThread):
    """`too_many_leaders` asked ahead of the spread phase, on a thread of its own, with the
    preferences held at `cap` (no more than the phase will hold: what it shows holds for
    every lower hold too, which only fixes more options). The preferences phase starts
    it once its proof beside the dive (`proof_beside`) has shown that nothing costs less
    than `cap`: on two cores it runs beside the rest of the dive (typical 100: 0.6 s of
    CPU, on the critical path in spread otherwise)."""

    def __init__(self, runner: Runner, new_groups: int, leaders: int, budget: float) -> None:
        super().__init__()
        self.runner, self.new_groups, self.leaders = runner, new_groups, leaders
        self.budget = budget
        self.too_many: bool | None = None  # as `leaders_test`: None where not shown

    def answers(self, holds: dict[str, int], new_groups: int, leaders: int) -> bool:
        """Whether it asks this question for an answer keeping `holds`: the same counts,
        the same holds but for the preferences, held here at least as high."""
        ahead = dict(self.runner.holds)
        same = {name: value for name, value in holds.items() if name != "preferences"}
        return (
            (self.new_groups, self.leaders) == (new_groups, leaders)
            and all(ahead.get(name) == value for name, value in same.items())
            and ahead.get("preferences", -1) >= holds.get("preferences", 0)
        )

    def _solve(self) -> None:
        if not self._cancelled:
            self.too_many = leaders_test(
                self.runner, self.new_groups, self.leaders, self.budget, self
            )


def _dearer_than(problem: Problem, model: Formulation, spare: int) -> list[int]:
    """Learner and leader columns whose option costs more than their cheapest by more
    than `spare`."""
    pay = model.objectives["preferences"]
    fixed: list[int] = []
    for (c, _where), col in [*model.w.items(), *model.v.items()]:
        cls = problem.classes[c]
        cheapest = min(cost for _w, cost in (*cls.options, *cls.joins))
        if pay.get(col, 0) - cheapest > spare:
            fixed.append(col)
    for (f, _where), col in model.y.items():
        if pay.get(col, 0) - min(problem.facilitator_options[f].values()) > spare:
            fixed.append(col)
    return fixed


def _count_leaders(highs: Any, model: Formulation, leaders: int, loads: list[int]) -> None:
    """A 0/1 column per facilitator leading no existing group, at most the groups they
    lead, and at least `leaders` of them set."""
    import highspy
    import numpy as np

    per_facilitator: dict[int, list[int]] = {}
    for (f, _where), col in model.y.items():
        if not loads[f]:
            per_facilitator.setdefault(f, []).append(col)
    flags = []
    for columns in per_facilitator.values():
        highs.addVar(0, 1)
        flag = highs.getNumCol() - 1
        highs.changeColIntegrality(flag, highspy.HighsVarType.kInteger)
        highs.addRow(
            -highspy.kHighsInf,
            0,
            len(columns) + 1,
            np.array([*columns, flag], dtype=np.int32),
            np.array([-1.0] * len(columns) + [1.0]),
        )
        flags.append(flag)
    highs.addRow(
        leaders, highspy.kHighsInf, len(flags), np.array(flags, dtype=np.int32), np.ones(len(flags))
    )
