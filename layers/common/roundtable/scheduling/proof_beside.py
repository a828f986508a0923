"""The preferences phase's proof, asked on the second core while the LP dive rounds.

Where the dive ends one or two above its relaxation (typical 100: relaxation 183.0,
the dive's answer 185), HiGHS's full model after it is the proof (0.26 s of CPU, with
its neighbourhoods 0.33 s), on the critical path. The question it answers, "is any
answer keeping the holds worth at most 184?", needs nothing from the dive: asked with
the preferences as objective and a row capping them at the relaxation's value rounded
up, plus one, HiGHS shows it infeasible in 0.3-0.4 s of CPU (without the objective,
as a pure feasibility question: 1.6-5.8 s). So it is asked on a HiGHS instance of its
own, on a thread (HiGHS releases the GIL), started once the relaxation is solved.

That one cap settles the phase wherever the optimum lies within two of the
relaxation's value rounded up: at most the cap, HiGHS's answer is the optimum; one
above it, the dive's answer there is proven. Farther, the cap raises the bound and
the phase goes on as before.

Once it has shown that nothing costs the cap or less, the second core is free for the
rest of the dive: a question of a later phase that holds for any hold of the
preferences up to the cap plus one (`then`; spread's leader test, `leader_count`) is
started there.

Where the plan pays many if-needed seats above the bound, the dive ends far above its
relaxation (sparse 300: 7,639 against 6,874.5, the optimum 7,298) and that cap settles
nothing; the proof there is in the if-needed seats, the objective's first term (the
weight outweighs every shift of everyone together). So the question is capped at the
seats instead (`SeatsProof`): "is any answer keeping the holds paying at most the
relaxation's value in whole if-needed weights (20 seats)?" HiGHS shows it infeasible
in 0.3-0.4 s of CPU (seeds 0-3, no start). With "21 seats or more" as a row, HiGHS's
full model starts from a root bound of 7,296 instead of 6,874.5 and finds and proves
7,298 in 0.5-0.8 s of CPU from no start at all, so the preferences phase asks it
before the dive, not beside it (`phase_preferences._seats_first`): the dive took
0.55 s to 7,639, and HiGHS 1.35-2.7 s after it without the row.
"""

from __future__ import annotations

import time
from typing import Any

from roundtable.scheduling.formulation import (
    INF,
    Formulation,
    Row,
    fewest_seats_row,
    if_needed_seats,
)
from roundtable.scheduling.highs import Runner, _candidate, _misreported
from roundtable.scheduling.highs_model import (
    LEAST_SECONDS,
    OnThread,
    learners_integral,
    set_objective,
)


class ProofBeside(OnThread):
    """The least `name` (a minimising phase) among answers keeping the `runner`'s holds and
    worth at most `cap`, asked on an instance of its own: `infeasible` when there is none
    (every answer is worth `cap` + 1 or more), else `found` (HiGHS's optimum, whole)."""

    def __init__(
        self, runner: Runner, name: str, cap: int, budget: float, then: OnThread | None = None
    ) -> None:
        super().__init__()
        self.runner, self.name, self.cap = runner.on_own_instance(), name, cap
        self.deadline = time.monotonic() + budget
        self.then = then  # started once no answer is worth `cap` or less
        self.infeasible = False
        self.found: list[float] | None = None

    def settle(self, deadline: float) -> None:
        """Wait for the answer until `deadline`; cut short, it proves nothing."""
        if not self.join(max(deadline - time.monotonic(), 0.0)):
            self.cancel()
            self.infeasible, self.found = False, None

    def bound(self, found: int = 0) -> int:
        """What it proved, with `found` the value of its answer where it has one: no
        answer below `cap` + 1 where infeasible (0: nothing)."""
        return self.cap + 1 if self.infeasible else found

    def cut(self) -> Row | None:
        """A row every answer keeps, from what it proved, for HiGHS's full model (None)."""
        return None

    def _capped(self, model: Formulation) -> dict[int, float]:
        """The terms whose sum is capped: the phase's objective."""
        return model.objectives[self.name]

    def _solve(self) -> None:
        import highspy
        import numpy as np

        if self._cancelled:
            return
        model, highs = self._instance()
        objective, capped = model.objectives[self.name], self._capped(model)
        columns = np.array(list(capped), dtype=np.int32)
        highs.addRow(-INF, self.cap + 1e-6, len(columns), columns, np.array(list(capped.values())))
        # the cap is a side constraint: learners' columns whole (`highs` module's note)
        learners_integral(highs, model, True)
        set_objective(highs, model, self.name)
        highs.setOptionValue("time_limit", max(self.deadline - time.monotonic(), LEAST_SECONDS))
        highs.run()
        status = highs.getModelStatus()
        if self._cancelled or _misreported(highs, objective):
            return
        self.infeasible = status == highspy.HighsModelStatus.kInfeasible
        if self.infeasible and self.then is not None:
            self.then.start()
        if status == highspy.HighsModelStatus.kOptimal:
            self.found = _candidate(highs, self.runner.problem, model, learners_integral=True)

    def _instance(self) -> tuple[Any, Any]:
        """The runner's model and holds on the instance of its own, interrupted only when
        cancelled (not by the runner's stopper, which judges against another aim)."""
        model, highs = self.runner.loaded()
        highs.cbMipImprovingSolution.unsubscribe(self.runner.stopper.improving)
        highs.cbMipInterrupt.unsubscribe(self.runner.stopper.check)
        highs.cbMipInterrupt.subscribe(self.interrupt)
        highs.cbSimplexInterrupt.subscribe(self.interrupt)
        return model, highs


class SeatsProof(ProofBeside):
    """`ProofBeside` with the if-needed seats capped (`formulation.if_needed_seats`),
    not the objective: `infeasible` when every answer pays `cap` + 1 seats or more, else
    `found`, the least `name` among answers paying at most `cap`."""

    def bound(self, found: int = 0) -> int:
        """Every answer pays at least its seats' weights (every cost is non-negative):
        `cap` + 1 weights where infeasible; else the less of that and `found`."""
        more = (self.cap + 1) * self.runner.problem.if_needed_weight()
        return more if self.infeasible else min(found, more)

    def cut(self) -> Row | None:
        """`cap` + 1 seats or more, where infeasible."""
        if not self.infeasible:
            return None
        return fewest_seats_row(self.runner.problem, self.runner._formulation(), self.cap + 1)

    def _capped(self, model: Formulation) -> dict[int, float]:
        return if_needed_seats(self.runner.problem, model)
