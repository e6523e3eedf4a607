"""Property tests of the progress rules in tracker.domain.progress (one formula, one rule)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.domain.progress import (
    CompletionRule,
    MilestoneState,
    attendance_rate,
    check_completion,
    progress_percentage,
    rate_that_counts,
)

milestone = st.builds(MilestoneState, points=st.integers(0, 1000), required=st.booleans(),
                      done=st.booleans())
milestones = st.lists(milestone, max_size=30)
percent = st.one_of(st.none(), st.floats(0, 100, allow_nan=False))
rule = st.builds(CompletionRule, require_milestones=st.booleans(), min_attendance_pct=percent,
                 requires_signoff=st.booleans())

settings.register_profile("tracker", max_examples=200, deadline=None)
settings.load_profile("tracker")


@given(milestones)
def test_progress_is_always_between_0_and_100(items):
    assert 0.0 <= progress_percentage(items) <= 100.0


@given(milestones)
def test_nothing_done_is_0_and_everything_done_is_100(items):
    none_done = [MilestoneState(m.points, m.required, False) for m in items]
    all_done = [MilestoneState(m.points, m.required, True) for m in items]
    assert progress_percentage(none_done) == 0.0
    assert progress_percentage(all_done) == (100.0 if items else 0.0)


@given(milestones, st.data())
def test_ticking_a_milestone_never_lowers_progress(items, data):
    if not items:
        return
    i = data.draw(st.integers(0, len(items) - 1))
    ticked = list(items)
    ticked[i] = MilestoneState(items[i].points, items[i].required, True)
    assert progress_percentage(ticked) >= progress_percentage(items)


@given(milestones)
def test_progress_is_earned_points_over_total_points_or_a_count(items):
    total = sum(m.points for m in items)
    if not items:
        expected = 0.0
    elif total:
        expected = 100.0 * sum(m.points for m in items if m.done) / total
    else:
        expected = 100.0 * sum(m.done for m in items) / len(items)
    assert abs(progress_percentage(items) - expected) <= 0.05 + 1e-9


@given(st.integers(0, 500), st.integers(0, 500))
def test_attendance_rate_is_a_percentage_or_none(present, counted):
    present = min(present, counted)
    rate = attendance_rate(present, counted)
    if counted == 0:
        assert rate is None
    else:
        assert rate is not None and 0.0 <= rate <= 100.0
        assert abs(rate - 100.0 * present / counted) <= 0.05 + 1e-9


def expected_complete(r: CompletionRule, items: list[MilestoneState], att: float | None,
                      signed: bool) -> bool:
    """The completion rule, restated independently: every measurable condition the activity
    asks for is met, and it asks for at least one."""
    required = [m for m in items if m.required]
    conditions = []
    if r.require_milestones and required:
        conditions.append(all(m.done for m in required))
    if r.min_attendance_pct is not None:
        # rates are rounded to 0.1, so a hair below the minimum (float noise) still counts
        conditions.append(att is not None and att + 1e-9 >= r.min_attendance_pct)
    if r.requires_signoff:
        conditions.append(signed)
    return bool(conditions) and all(conditions)


@given(rule, milestones, percent, st.booleans())
def test_completion_is_reached_exactly_when_the_rules_say(r, items, att, signed):
    check = check_completion(r, items, att, signed)
    assert check.complete == expected_complete(r, items, att, signed)
    assert check.complete == (check.reasons == ())  # incomplete always says why


@given(rule, milestones, percent, st.booleans())
def test_the_rate_as_the_rule_sees_it_gives_the_same_check(r, items, att, signed):
    """Bulk readers check each distinct case once, on ``rate_that_counts``: the same outcome
    and the same words as the rate itself."""
    assert check_completion(r, items, rate_that_counts(r, att), signed) == check_completion(r, items, att, signed)


@given(rule, milestones, percent, st.booleans(), st.lists(milestone, max_size=5))
def test_optional_milestones_never_decide_completion(r, items, att, signed, extra):
    optional = [MilestoneState(m.points, False, m.done) for m in extra]
    assert (check_completion(r, items + optional, att, signed).complete
            == check_completion(r, items, att, signed).complete)


@given(milestones, percent, st.booleans())
def test_an_activity_that_asks_for_nothing_is_completed_by_a_teacher(items, att, signed):
    check = check_completion(CompletionRule(False, None, False), items, att, signed)
    assert not check.complete and check.reasons == ("completed by a teacher",)


@given(st.floats(0, 100, allow_nan=False))
def test_attendance_exactly_at_the_minimum_is_enough(minimum):
    r = CompletionRule(require_milestones=False, min_attendance_pct=minimum, requires_signoff=False)
    assert check_completion(r, [], minimum, False).complete
    assert not check_completion(r, [], None, False).complete


def test_the_completion_reason_never_shows_the_threshold_itself_as_below_it():
    from tracker.domain.progress import CompletionRule, check_completion

    check = check_completion(CompletionRule(False, 70.0, False), [], 69.8, False)
    assert check.reasons == ("attendance 69.8% below 70%",)
    assert check_completion(CompletionRule(False, 75.0, False), [], 60.2, False).reasons == (
        "attendance 60% below 75%",)
