"""The preferences phase's model within the fewest seats, asked ahead on a core of its own.

Where every answer has one total of new groups and the plan pays many if-needed seats
above the bound (`phase_preferences._within_fewest_seats`: sparse 1,200), the phase is
HiGHS's full model with the total and "at most so many learners' if-needed seats" as
rows, one thread, 3.4-3.8 s of CPU. Its rows need only the held phases and a plan that
pays more seats than the row allows, so it can start as soon as the sizes phase has its
bound: on an instance of its own, with the sizes held there and the row at the sizes
phase's plan's seats less one (which keeps that plan and the answers near it out of
HiGHS's reach as the search's plan's did: sparse 1,200 at HiGHS seed 1, 3.49-3.59 s of
CPU at 53 seats against 3.44-3.50 at 46; 1,205 9.51 against 9.19; 1,202 9.21 against
13.16; the same answers, proven). The phase takes its answer where its holds are the
same and its aim no higher than the phase's bound (`answers`): the answer is then the
one the same model started late would give, so it never depends on when it ran.
"""

from __future__ import annotations

from roundtable.scheduling.formulation import Row
from roundtable.scheduling.highs import NO_JUMP, PhaseResult, Runner
from roundtable.scheduling.highs_model import OnThread
from roundtable.scheduling.plan import Plan


class SeatsModelAhead(OnThread):
    """HiGHS's run of the preferences on `runner` (an instance of its own, the sizes held
    at the sizes phase's bound) from `plan` with `cuts` (the total's row and the seats'
    row at `most`), aiming at `aim`, within `budget` seconds, on a thread of its own;
    `found` is read once joined, None where cancelled."""

    def __init__(
        self, runner: Runner, plan: Plan, aim: int, most: int, cuts: list[Row], budget: float
    ) -> None:
        super().__init__()
        self.runner, self.plan, self.aim, self.most = runner, plan, aim, most
        self.cuts, self.budget = cuts, budget
        self.found: tuple[Plan, PhaseResult] | None = None

    def answers(self, holds: list[tuple[str, int]], bound: int) -> bool:
        """Whether the phase with these holds and `bound` may take its answer: the same
        holds, and an aim no higher (HiGHS stops at an answer at its aim; at a lower one
        it goes on only where no answer is worth less)."""
        return self.runner.holds == holds and self.aim <= bound

    def sizes(self) -> int:
        """The sizes it holds."""
        return dict(self.runner.holds)["sizes"]

    def _solve(self) -> None:
        if self._cancelled:
            return
        self.runner._loaded()[1].cbMipInterrupt.subscribe(self.stop_if_cancelled)
        # the plan breaks the seat row, so HiGHS begins with no answer, and its
        # feasibility jump finds none within the row either (`_within_fewest_seats`)
        found = self.runner.solve(
            "preferences", self.plan, self.budget, self.aim, False, True, self.cuts, True, NO_JUMP
        )
        self.found = None if self._cancelled else found
