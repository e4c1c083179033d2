"""Table-driven tests for scheduling.queue.wait_estimate on synthetic session histories."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from scheduling.queue.wait_estimate import (
    DEFAULT_SESSION_MINUTES,
    EstimatorConfig,
    estimate_wait_minutes,
    typical_duration,
)

STEADY_12 = [12.0] * 20
# Twelve old long sessions, then eight recent short ones (oldest first).
SLOWER_THEN_FASTER = [30.0] * 12 + [10.0] * 8
# Mostly 12-minute sessions; the two newest were left open for hours.
FORGOTTEN_SESSIONS = [12.0] * 18 + [180.0, 240.0]


@pytest.mark.parametrize(
    ("history", "default", "config", "expected"),
    [
        pytest.param([], 10, EstimatorConfig(), 10.0, id="no-history-uses-default"),
        pytest.param([], 25, EstimatorConfig(), 25.0, id="no-history-uses-service-duration"),
        pytest.param([20], 10, EstimatorConfig(), 40 / 3, id="one-session-shrunk-to-default"),
        pytest.param(STEADY_12, 12, EstimatorConfig(), 12.0, id="steady-history"),
        pytest.param(STEADY_12, 10, EstimatorConfig(), 260 / 22, id="long-history-dominates"),
        pytest.param(
            STEADY_12, 10, EstimatorConfig(prior_strength=0), 12.0, id="no-shrinkage-configured"
        ),
        pytest.param(FORGOTTEN_SESSIONS, 12, EstimatorConfig(), 12.0, id="outliers-ignored"),
        pytest.param(
            [12.0, 11.0, 13.0, 90.0, 12.0, 1.0, 12.0],
            12,
            EstimatorConfig(prior_strength=0),
            12.0,
            id="outliers-both-ways-ignored",
        ),
        pytest.param(
            SLOWER_THEN_FASTER, 10, EstimatorConfig(), 10.0, id="recent-sessions-weigh-more"
        ),
        pytest.param(
            [1000.0] * 5 + STEADY_12,
            12,
            EstimatorConfig(),
            12.0,
            id="only-newest-max-samples-used",
        ),
        pytest.param(
            [0, -5, math.nan, math.inf, 12],
            10,
            EstimatorConfig(),
            32 / 3,
            id="implausible-durations-dropped",
        ),
        pytest.param(
            [20.0, 10.0],
            10,
            EstimatorConfig(prior_strength=0),
            10.0,
            id="two-sessions-newest-wins-shorter",
        ),
        pytest.param(
            [10.0, 20.0],
            10,
            EstimatorConfig(prior_strength=0),
            20.0,
            id="two-sessions-newest-wins-longer",
        ),
    ],
)
def test_typical_duration(
    history: list[float], default: float, config: EstimatorConfig, expected: float
) -> None:
    assert typical_duration(history, default, config) == pytest.approx(expected)


def test_recency_weighting_beats_plain_median() -> None:
    # The plain median of SLOWER_THEN_FASTER is 30; the office has got faster lately.
    plain = sorted(SLOWER_THEN_FASTER)[len(SLOWER_THEN_FASTER) // 2]
    assert plain == 30.0
    assert typical_duration(SLOWER_THEN_FASTER, 10, EstimatorConfig(prior_strength=0)) == 10.0


def test_robust_estimate_ignores_what_a_mean_would_not() -> None:
    mean = sum(FORGOTTEN_SESSIONS) / len(FORGOTTEN_SESSIONS)
    assert mean > 30
    assert typical_duration(FORGOTTEN_SESSIONS, 12) == 12.0


@pytest.mark.parametrize(
    ("history", "officials", "ahead", "default", "free", "expected"),
    [
        pytest.param(STEADY_12, 0, 3, 10, None, None, id="nobody-serving-is-unknown"),
        pytest.param([], 0, 0, 10, None, None, id="nobody-serving-no-history"),
        pytest.param([], 1, 0, 10, None, 10, id="first-in-line-official-busy"),
        pytest.param([], 1, 0, 10, 1, 0, id="first-in-line-official-free"),
        pytest.param([], 2, 1, 10, 2, 0, id="second-in-line-two-free"),
        pytest.param([], 2, 1, 10, 1, 5, id="second-in-line-one-free"),
        pytest.param([], 1, 2, 10, None, 30, id="empty-history-one-official"),
        pytest.param([], 4, 2, 10, None, 8, id="empty-history-four-officials"),
        pytest.param([], 1, 1, 15, None, 30, id="default-is-service-duration"),
        pytest.param(STEADY_12, 1, 3, 12, None, 48, id="one-official"),
        pytest.param(STEADY_12, 4, 3, 12, None, 12, id="four-officials"),
        pytest.param(STEADY_12, 4, 0, 12, None, 3, id="exact-multiple-not-rounded-up"),
        pytest.param([], 3, 0, 10, None, 4, id="fraction-rounded-up"),
        pytest.param(STEADY_12, 2, 50, 12, None, 306, id="large-queue"),
        pytest.param(STEADY_12, 1, 200, 12, None, 2412, id="very-large-queue-not-capped"),
        pytest.param(FORGOTTEN_SESSIONS, 1, 0, 12, None, 12, id="outliers-do-not-inflate-wait"),
        pytest.param(SLOWER_THEN_FASTER, 2, 3, 10, None, 20, id="recent-speed-counts"),
    ],
)
def test_estimate_wait_minutes(
    history: list[float],
    officials: int,
    ahead: int,
    default: float,
    free: int | None,
    expected: int | None,
) -> None:
    result = estimate_wait_minutes(
        history, officials, ahead, default_minutes=default, officials_free=free
    )
    assert result == expected
    assert result is None or isinstance(result, int)


def known_wait(history: list[float], officials: int, ahead: int) -> int:
    wait = estimate_wait_minutes(history, officials, ahead)
    assert isinstance(wait, int)
    return wait


@pytest.mark.parametrize("officials", [1, 2, 4, 7])
def test_wait_grows_with_queue_position(officials: int) -> None:
    waits = [known_wait(FORGOTTEN_SESSIONS, officials, p) for p in range(40)]
    assert waits == sorted(waits)
    assert waits[-1] > waits[0]


@pytest.mark.parametrize("ahead", [0, 1, 5, 30])
def test_wait_shrinks_with_more_officials(ahead: int) -> None:
    waits = [known_wait(STEADY_12, c, ahead) for c in range(1, 10)]
    assert waits == sorted(waits, reverse=True)


def test_default_session_length_is_ten_minutes() -> None:
    assert DEFAULT_SESSION_MINUTES == 10
    assert estimate_wait_minutes([], 1, 0) == 10


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: estimate_wait_minutes([], 1, -1), id="negative-position"),
        pytest.param(lambda: estimate_wait_minutes([], 1, 0, officials_free=2), id="too-many-free"),
        pytest.param(
            lambda: estimate_wait_minutes([], 2, 0, officials_free=-1), id="negative-free"
        ),
        pytest.param(lambda: estimate_wait_minutes([], 1, 0, default_minutes=0), id="zero-default"),
        pytest.param(lambda: typical_duration([], math.nan), id="nan-default"),
        pytest.param(lambda: EstimatorConfig(max_samples=0), id="no-samples"),
        pytest.param(lambda: EstimatorConfig(half_life_sessions=0), id="zero-half-life"),
        pytest.param(lambda: EstimatorConfig(prior_strength=-1), id="negative-prior"),
    ],
)
def test_invalid_input_is_rejected(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError):
        call()
