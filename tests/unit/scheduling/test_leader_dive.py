"""The leaders' model (leader_dive.py): its count of leaders never below a brute-forced
answer's, and its dive's answers keep the held phases and never beat the optimum."""

from __future__ import annotations

import time
from collections import Counter

from roundtable.scheduling import leader_dive, phase_preferences
from roundtable.scheduling.heuristic import solve_heuristic
from roundtable.scheduling.highs import Runner
from roundtable.scheduling.highs_model import CompactColumns
from roundtable.scheduling.leader_dive import (
    LeaderModel,
    _carried_basis,
    _Core,
    _lifted_gain,
    _limit,
    _relaxation,
    _round_counts,
    applies,
    more_leaders,
    option_columns,
)
from roundtable.scheduling.lp_dive import DiveRelaxation, own_runner, start_relaxation
from roundtable.scheduling.phase_context import PhaseContext
from roundtable.scheduling.phase_preferences import _leaders_answer
from roundtable.scheduling.phase_spread import _leader_model
from roundtable.scheduling.plan import Plan, plan_is_consistent
from roundtable.scheduling.search import Search
from roundtable.scheduling.solver import solve_exact
from roundtable.scheduling.values import plan_objectives
from tests.unit.scheduling.helpers import crowd, instance, person
from tests.unit.scheduling.test_phase_bounds import _answers, _brute_force, _cohort
from tests.unit.scheduling.test_preference_moves import _leaders_legal
from tests.unit.scheduling.test_spread_moves import (
    LED_SIZES,
    MON,
    THU,
    TUE,
    WED,
    _ids,
    _problem_of,
    _start,
)

_HELD = ("placed", "sizes", "preferences")


def _two_groups_one_leader():
    """A (4 learners: Tuesday or Wednesday) and B (4: Wednesday or Thursday); F0 may lead
    two groups on Tuesday or Wednesday, F1 one, only on Thursday. F0 leading both (A on
    Tuesday, B on Wednesday) pays a second group; B on Thursday under F1 does not."""
    people = [
        person("F0", "UTC", TUE | WED, max_groups=2),
        person("F1", "UTC", THU, max_groups=1),
        *crowd("A", 4, "UTC", TUE | WED),
        *crowd("B", 4, "UTC", WED | THU),
    ]
    problem = _problem_of(instance(people, **LED_SIZES))
    tuesday, wednesday = _start(problem, 1), _start(problem, 2)
    plan = Plan(
        groups_at={tuesday: [0], wednesday: [0]},
        learners_at={
            tuesday: _ids(problem, [f"A{k}" for k in range(4)]),
            wednesday: _ids(problem, [f"B{k}" for k in range(4)]),
        },
    )
    return problem, plan


def test_an_idle_facilitator_leads_where_the_learners_can_follow():
    problem, plan = _two_groups_one_leader()
    before = plan_objectives(problem, plan)
    holds = {name: before[name] for name in _HELD}
    assert applies(problem, holds)
    found = more_leaders(problem, holds, plan, 1, time.monotonic() + 10)
    assert found is not None
    after = plan_objectives(problem, found)
    assert (before["spread"], after["spread"]) == (11, 1)
    assert {name: after[name] for name in _HELD} == holds
    assert found.groups_at[_start(problem, 3)] == [1]
    assert plan_is_consistent(problem, found)
    assert _leaders_legal(problem, found)


def test_applies_only_where_everyone_sits_in_a_group_of_the_target_size():
    problem, plan = _two_groups_one_leader()
    held = {name: plan_objectives(problem, plan)[name] for name in _HELD}
    assert applies(problem, held)
    assert not applies(problem, held | {"placed": held["placed"] - 1})
    assert not applies(problem, held | {"sizes": 1})
    assert not applies(problem, {"placed": held["placed"], "sizes": 0})


def _held_optimum(seed: int):
    """A small cohort where the dive applies (else None), the brute-forced holds, the
    optimal spread, and the solver's optimal answer."""
    problem = _cohort(seed, facilitators=3, most_groups=2)
    placed, sizes, preferences, spread = _brute_force(problem)
    holds = {"placed": placed, "sizes": sizes, "preferences": preferences}
    if not applies(problem, holds):
        return None
    plan = solve_exact(problem, solve_heuristic(problem, seed), seed, 10.0).plan
    assert plan_objectives(problem, plan)["spread"] == spread
    return problem, holds, spread, plan


def _held_optima():
    """`_held_optimum` of every seed 0-23 where the dive applies, with its seed."""
    for seed in range(24):
        case = _held_optimum(seed)
        if case is not None:
            yield seed, *case


def _one_leader(plan: Plan) -> Plan:
    """The plan's groups, as if one facilitator led them all."""
    return Plan({start: [0] * len(leaders) for start, leaders in plan.groups_at.items()})


def test_never_beats_a_brute_forced_optimum_and_keeps_the_holds():
    # Asked for more leaders than one, with the optimum's groups (as if one facilitator
    # led them all), the dive answers on 5 of the 7 cohorts where it applies; every
    # answer keeps the holds and the rules, and none spreads better than the optimum.
    answered = 0
    for seed, problem, holds, spread, plan in _held_optima():
        one_leader = _one_leader(plan)
        found = more_leaders(problem, holds, one_leader, seed, time.monotonic() + 10)
        if found is None:
            continue
        answered += 1
        after = plan_objectives(problem, found)
        assert {name: after[name] for name in _HELD} == holds
        assert after["spread"] >= spread
        assert plan_is_consistent(problem, found)
        assert _leaders_legal(problem, found)
    assert answered


def test_finds_nothing_beyond_an_optimal_answer():
    for seed, problem, holds, _spread, plan in _held_optima():
        assert more_leaders(problem, holds, plan, seed, time.monotonic() + 10) is None


def test_the_most_leading_is_never_below_a_brute_forced_answer_keeping_the_holds():
    # from any plan: the one leading most, or (as if one facilitator led them all) the
    # optimum's groups, whose model then allows every option of 2 or more leaders
    checked = 0
    for seed, problem, holds, _spread, plan in _held_optima():
        most = max(
            led
            for placed, sizes, cost, _s, led, _total in _answers(problem)
            if (placed, sizes, cost) == (holds["placed"], holds["sizes"], holds["preferences"])
        )
        for start_plan in (plan, _one_leader(plan)):
            counted = LeaderModel(problem, holds, start_plan, seed).most_leading(
                time.monotonic() + 10
            )
            assert counted is not None and counted >= most
            checked += 1
    assert checked


def test_the_bound_from_the_dive_limits_is_never_below_the_whole_relaxation():
    # `most_leading` solves the relaxation within the dive's limits and lifts them by
    # its duals; that bound is never below the whole relaxation's, solved directly, with
    # the plan's crowd or one group a start (the preferences phase's, `least_crowd`)
    checked = 0
    for seed, problem, holds, _spread, plan in _held_optima():
        for start_plan in (plan, _one_leader(plan)):
            for most in (None, 1):
                checked += _bound_covers_the_whole_relaxation(
                    problem, holds, start_plan, seed, most
                )
    assert checked


def test_the_bound_lifts_a_crowd_limit_that_binds():
    # 12 learners (three groups) on Tuesday, Wednesday or Thursday; F1 and F2 lead only
    # on Tuesday, F0 (two groups) on Wednesday or Thursday. The plan has one group a
    # start (F1, F0, F0), so the dive allows one on Tuesday and two leaders; three lead
    # with two groups on Tuesday, which the bound must still allow
    people = [
        person("F0", "UTC", WED | THU, max_groups=2),
        person("F1", "UTC", TUE, max_groups=1),
        person("F2", "UTC", TUE, max_groups=1),
        *crowd("A", 12, "UTC", TUE | WED | THU),
    ]
    problem = _problem_of(instance(people, **LED_SIZES))
    learners = [_ids(problem, [f"A{k}" for k in range(4 * day, 4 * day + 4)]) for day in range(3)]
    plan = Plan(
        groups_at={_start(problem, 1): [1], _start(problem, 2): [0], _start(problem, 3): [0]},
        learners_at={_start(problem, day + 1): learners[day] for day in range(3)},
    )
    before = plan_objectives(problem, plan)
    holds = {name: before[name] for name in _HELD}
    assert applies(problem, holds)
    assert _bound_covers_the_whole_relaxation(problem, holds, plan, 1)
    model = LeaderModel(problem, holds, plan, 1)
    assert model.core is not None
    _limit(model.core, model._dive_limits())
    limited = _relaxation(model.core.highs, time.monotonic() + 10)
    assert limited is not None and limited < 3 - 1e-6  # the limit binds
    assert LeaderModel(problem, holds, plan, 1).most_leading(time.monotonic() + 10) == 3


def _held_plans():
    """(seed, problem, holds, plan) of the hand-made cohort and of the brute-forced optima,
    each with its plan as it is and with one leader fewer (`_one_leader`)."""
    problem, plan = _two_groups_one_leader()
    before = plan_objectives(problem, plan)
    hand_made = (1, problem, {name: before[name] for name in _HELD}, 0, plan)
    for seed, problem, holds, _spread, plan in [hand_made, *_held_optima()]:
        for start_plan in (plan, _one_leader(plan)):
            yield seed, problem, holds, start_plan


def test_the_bound_from_some_starts_is_never_below_the_whole_relaxation():
    # loaded at first only at the plan's starts (each class seated at a cheapest), or at
    # one more, the model prices in the starts left out that could add leaders: its
    # bound still covers the whole relaxation of every start (on the hand-made cohort
    # the plan's starts alone have one leader, every start two)
    checked = 0
    for seed, problem, holds, start_plan in _held_plans():
        for extra in (frozenset(), frozenset(problem.viable_starts[:1])):
            checked += _bound_covers_the_whole_relaxation(
                problem, holds, start_plan, seed, 1, extra
            )
    assert checked


def test_a_start_left_out_is_loaded_where_its_duals_say_it_adds_a_leader():
    # only Tuesday and Wednesday loaded (F0 leading both): Thursday, where F1 can lead B,
    # is priced in, and the count and the dive's answer have both leading
    problem, plan = _two_groups_one_leader()
    before = plan_objectives(problem, plan)
    holds = {name: before[name] for name in _HELD}
    thursday = _start(problem, 3)
    model = LeaderModel(problem, holds, plan, 1, starts=frozenset())
    assert model.starts is not None and thursday not in model.starts
    assert model.most_leading(time.monotonic() + 10) == 2
    assert model.starts is not None and thursday in model.starts
    found = model.more_leaders(time.monotonic() + 10)
    assert found is not None and found.groups_at[thursday] == [1]


def _bound_covers_the_whole_relaxation(
    problem, holds, plan, seed, crowd=None, starts: frozenset[int] | None = None
) -> bool:
    """Whether the model was built (else nothing to check); asserts its bound from the
    dive's limits (at most `crowd` groups a start, the plan's if None), with only `starts`
    (and the plan's) loaded at first, is at least the whole relaxation's value."""
    model = LeaderModel(problem, holds, plan, seed, crowd, starts)
    whole = LeaderModel(problem, holds, plan, seed)
    if model.core is None or whole.core is None:
        return False
    direct = _relaxation(whole.core.highs, time.monotonic() + 10, ipm=True)
    bound = model._bound_from_dive_limits(time.monotonic() + 10)
    assert direct is not None and bound is not None
    assert bound >= direct - 1e-6
    return True


def _most_x(row_upper: float, limit: float):
    """Minimise -x over 0 <= x <= limit with a row x <= row_upper, solved."""
    model = CompactColumns()
    x = model.column(-1.0, limit, False)
    model.row(-1e30, row_upper, {x: 1.0})
    highs = model.load(1)
    highs.setOptionValue("solve_relaxation", True)
    highs.run()
    return highs, x


def _held_counts(halves: int, quarters: int) -> _Core:
    """Counts of groups held up to 1/2 (the first `halves`) or 1/4 by their rows, solved
    beside a leader's flag they do not touch (one leader, whatever they are)."""
    core = _Core()
    for start in range(halves + quarters):
        core.counts[start] = core.column(0.0, 1.0, True)
        core.row(1.0, 1e30, {core.counts[start]: 2.0 if start < halves else 4.0})
    core.column(-1.0, 1.0, False)
    core.highs = core.load(1)
    assert _relaxation(core.highs, time.monotonic() + 10, ipm=True) == 1.0
    return core


def test_the_dive_rounds_every_count_half_way_up_in_its_first_batch(monkeypatch):
    # six counts at 1/2 and six at 1/4: the first batch is the six, not the four nearest
    core, batches = _held_counts(6, 6), []
    fix = leader_dive._fix

    def recorded(core: _Core, counts: dict[int, int], aim: int, deadline: float) -> bool:
        batches.append(dict(counts))
        return fix(core, counts, aim, deadline)

    monkeypatch.setattr(leader_dive, "_fix", recorded)
    assert _round_counts(core, 1, time.monotonic() + 10)
    assert batches[0] == dict.fromkeys(range(6), 1)
    # with no more half-way than a batch of four, the first batch is the four nearest
    core, batches[:] = _held_counts(4, 8), []
    assert _round_counts(core, 1, time.monotonic() + 10)
    assert batches[0] == dict.fromkeys(range(4), 1)


def test_lifting_a_bound_gains_at_most_its_reduced_cost_times_the_rise():
    # x limited to 1 (its bound binds, reduced cost -1): lifted to 3, at most 2 more,
    # exactly what the whole problem gains when the row allows it (x <= 10) ...
    highs, x = _most_x(10.0, 1.0)
    assert _lifted_gain(highs, [(x, 3.0)], [(x, 1.0)]) == 2.0
    # ... and never less where the row binds first (x <= 2: 1 more, the bound says 2)
    highs, x = _most_x(2.0, 1.0)
    assert _lifted_gain(highs, [(x, 3.0)], [(x, 1.0)]) >= 1.0
    # a bound that does not bind gains nothing (the row holds x at 0.5)
    highs, x = _most_x(0.5, 1.0)
    assert _lifted_gain(highs, [(x, 3.0)], [(x, 1.0)]) == 0.0


def _preferences_context(problem, plan: Plan, seed: int) -> tuple[PhaseContext, DiveRelaxation]:
    """The preferences phase as the leaders' model meets it: placement and sizes held at
    the `plan`'s, the dive's relaxation started on a thread, first without linking rows."""
    scores = plan_objectives(problem, plan)
    runner = Runner(problem, seed)
    for name in ("placed", "sizes"):
        runner.hold(name, scores[name])
    proven = {"placed": True, "sizes": True}
    context = PhaseContext(
        problem, runner, Search(problem, plan), time.monotonic() + 10, 10, proven
    )
    relaxation = start_relaxation(own_runner(runner), "preferences", 10.0, plan, loose=True)
    assert relaxation is not None
    return context, relaxation


def _answer_of_the_leaders_model(problem, plan: Plan, seed: int) -> tuple[PhaseContext, int | None]:
    """`_leaders_answer` on `_preferences_context`, from a bound of 0: the context after it
    and the bound it returns."""
    context, relaxation = _preferences_context(problem, plan, seed)
    try:
        return context, _leaders_answer(context, relaxation, time.monotonic() + 10, 0)
    finally:
        relaxation.cancel()


def test_the_preferences_phase_takes_the_models_answer_where_an_idle_facilitator_leads():
    # F0 leads both groups at no cost; the model's answer costs as little, F1 leading B
    # on Thursday: preferences proven at the relaxation's bound and spread's optimum given
    problem, plan = _two_groups_one_leader()
    before = plan_objectives(problem, plan)
    context, aim = _answer_of_the_leaders_model(problem, plan, 1)
    after = plan_objectives(problem, context.search.plan())
    assert aim == before["preferences"] == after["preferences"]
    assert (after["placed"], after["sizes"], after["spread"]) == (before["placed"], 0, 1)
    assert _leaders_legal(problem, context.search.plan())
    model = context.leader_model
    assert model is not None and model.counted == 2
    assert model.holds == {name: before[name] for name in _HELD}


def test_the_preferences_phase_takes_the_models_answer_where_the_plan_has_its_leaders():
    # F0 and F1 both lead on Wednesday, every learner there if needed: the plan already
    # has the 2 leaders the model promises, but pays 96 where the relaxation says 0. The
    # model's dive still answers (A on Tuesday under F0, B on Thursday under F1), instead
    # of leaving it to the LP dive (typical 300 at seed 302: 0.7 s of CPU against 8.2)
    people = [
        person("F0", "UTC", TUE | WED, max_groups=1),
        person("F1", "UTC", WED | THU, max_groups=1),
        person("F2", "UTC", MON, max_groups=1),
        *[person(f"A{k}", "UTC", TUE, if_needed=WED) for k in range(4)],
        *[person(f"B{k}", "UTC", THU, if_needed=WED) for k in range(4)],
    ]
    problem = _problem_of(instance(people, **LED_SIZES))
    everyone = _ids(problem, [f"{name}{k}" for name in "AB" for k in range(4)])
    plan = Plan(groups_at={_start(problem, 2): [0, 1]}, learners_at={_start(problem, 2): everyone})
    assert plan_objectives(problem, plan)["preferences"] > 0
    context, aim = _answer_of_the_leaders_model(problem, plan, 1)
    model = context.leader_model
    assert model is not None and model.promised == model.leading == 2
    after = plan_objectives(problem, context.search.plan())
    assert aim == after["preferences"] == 0
    assert (after["placed"], after["sizes"], after["spread"]) == (8, 0, 1)
    assert plan_is_consistent(problem, context.search.plan())
    assert _leaders_legal(problem, context.search.plan())


def test_the_preferences_phase_leaves_a_model_above_its_columns_to_the_lp_dive(monkeypatch):
    # typical 1,200 and 2,000 at generator seeds 1,201-2,002: models of 20,000-37,000
    # columns whose relaxation alone took 6-8 s of CPU, where the LP dive took 1 s. Above
    # the limit no model is built or answers; the phase is still proven, by the LP dive
    problem, plan = _two_groups_one_leader()
    monkeypatch.setattr(phase_preferences, "_LEADERS_COLUMNS", 0)
    context, aim = _answer_of_the_leaders_model(problem, plan, 1)
    assert aim is None and context.leader_model is None
    assert context.search.plan() == plan
    context, relaxation = _preferences_context(problem, plan, 1)
    relaxation.cancel()
    result = phase_preferences.preferences_phase(context, 10.0)
    assert result.proven and result.value == plan_objectives(problem, plan)["preferences"]
    assert context.leader_model is None


def test_the_seat_and_lead_columns_are_counted_as_the_model_builds_them():
    # `option_columns` counts, without building the model, the seat and lead columns it is
    # first loaded with: at every start, at only the plan's, and at one more
    checked = 0
    for seed, problem, holds, start_plan in _held_plans():
        for starts in (None, frozenset(), frozenset(problem.viable_starts[:1])):
            model = LeaderModel(problem, holds, start_plan, seed, starts=starts)
            core = model.core
            built = 0 if core is None else len(core.seats) + len(core.leads)
            assert option_columns(problem, holds, start_plan, starts) == built
            checked += built > 0
    assert checked


def test_the_models_aim_and_count_never_pass_a_brute_forced_optimum():
    # the aim (the loose relaxation's first value, rounded up) is a bound of the
    # preferences, and the model's count of leaders at that aim is never below an
    # answer's; where it answers, the answer is the brute-forced optimum
    counted = 0
    for seed, problem, holds, _spread, plan in _held_optima():
        context, aim = _answer_of_the_leaders_model(problem, _fewer_leaders(problem, plan), seed)
        model = context.leader_model
        if model is None:
            continue
        counted += 1
        assert model.holds["preferences"] <= holds["preferences"]
        most = max(
            led
            for placed, sizes, cost, _s, led, _total in _answers(problem)
            if (placed, sizes) == (holds["placed"], holds["sizes"])
            and cost <= model.holds["preferences"]
        )
        assert model.counted is not None and model.counted >= most
        if aim is not None:
            after = plan_objectives(problem, context.search.plan())
            assert aim == after["preferences"] == holds["preferences"]
            assert (after["placed"], after["sizes"]) == (holds["placed"], holds["sizes"])
            assert plan_is_consistent(problem, context.search.plan())
    assert counted


def _fewer_leaders(problem, plan: Plan) -> Plan:
    """The `plan`'s groups and learners, each facilitator's only group handed where it can
    be to one leading another already (the cohort's starts never overlap): fewer lead,
    and the preferences may cost more."""
    led = {start: list(leaders) for start, leaders in plan.groups_at.items()}
    load = Counter(f for leaders in led.values() for f in leaders)
    for start, leaders in sorted(led.items()):
        for k, f in enumerate(leaders):
            takers = [
                g
                for g in sorted(load)
                if load[f] == 1
                and 0 < load[g] < problem.facilitator_capacity[g]
                and start in problem.facilitator_options[g]
                and g not in leaders
            ]
            if takers:
                leaders[k] = takers[0]
                load[f], load[takers[0]] = 0, load[takers[0]] + 1
    return Plan(led, {start: list(members) for start, members in plan.learners_at.items()})


def test_spread_takes_the_preferences_model_only_while_its_holds_are_the_models():
    problem, plan = _two_groups_one_leader()
    context, _aim = _answer_of_the_leaders_model(problem, plan, 1)
    model = context.leader_model
    assert model is not None
    later = context.search.plan()
    for name in _HELD:
        context.runner.hold(name, plan_objectives(problem, later)[name])
    reused, counted = _leader_model(context, later, time.monotonic() + 10)
    assert (reused, counted) == (model, 2)
    assert (reused.plan, reused.leading) == (later, 2)  # its dive starts from spread's plan
    context.runner.holds[-1] = ("preferences", model.holds["preferences"] + 1)
    fresh, counted = _leader_model(context, later, time.monotonic() + 10)
    assert fresh is not model and counted == 2


def test_the_relaxation_names_the_starts_its_first_answer_opens_groups_at():
    # the loose first answer (on a thread) and the whole one (solved here): each start
    # named has groups, or a fraction of one, in that answer, and no other has
    problem, plan = _two_groups_one_leader()
    context, relaxation = _preferences_context(problem, plan, 1)
    try:
        assert relaxation.early_bound() is not None
        threaded = relaxation.early_starts()
    finally:
        relaxation.cancel()
    whole = DiveRelaxation(own_runner(context.runner), "preferences", 10.0, plan)
    assert whole.solve() is not None
    values = whole.highs.getSolution().col_value
    model = whole.runner._formulation()
    opened = {start for (_f, start), col in model.y.items() if values[col] > 1e-6}
    assert whole.early_starts() == opened and opened
    assert threaded and threaded <= set(problem.viable_starts)


def test_starts_priced_in_go_on_from_the_basis_before_them(monkeypatch):
    # Thursday priced in (`test_a_start_left_out_is_loaded_where_its_duals_say_it_adds_a_
    # leader`): its relaxation is solved from the first one's basis carried over, not
    # from scratch by the interior-point solver, to the same count
    problem, plan = _two_groups_one_leader()
    before = plan_objectives(problem, plan)
    holds = {name: before[name] for name in _HELD}
    solves: list[bool] = []
    relaxation = leader_dive._relaxation

    def recorded(highs, deadline: float, ipm: bool = False) -> float | None:
        solves.append(ipm)
        return relaxation(highs, deadline, ipm)

    monkeypatch.setattr(leader_dive, "_relaxation", recorded)
    model = LeaderModel(problem, holds, plan, 1, starts=frozenset())
    assert model.most_leading(time.monotonic() + 10) == 2
    assert solves == [True, False]
    assert model.starts is not None and _start(problem, 3) in model.starts


def test_a_carried_basis_keeps_every_status_and_has_a_basic_per_row():
    problem, plan = _two_groups_one_leader()
    before = plan_objectives(problem, plan)
    holds = {name: before[name] for name in _HELD}
    fewer = LeaderModel(problem, holds, plan, 1, starts=frozenset())
    more = LeaderModel(problem, holds, plan, 1)
    assert fewer.core is not None and more.core is not None
    assert _relaxation(fewer.core.highs, time.monotonic() + 10, ipm=True) is not None
    basis = fewer.core.highs.getBasis()
    carried = _carried_basis(fewer.core, basis, more.core)
    assert carried is not None
    statuses = [*carried.col_status, *carried.row_status]
    basic = [status for status in statuses if status.name == "kBasic"]
    assert len(basic) == more.core.highs.getNumRow()
    old = dict(zip(fewer.core.row_keys, basis.row_status, strict=True))
    for key, status in zip(more.core.row_keys, carried.row_status, strict=True):
        if key in old:
            assert status == old[key]
