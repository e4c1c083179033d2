"""Estimated waiting time in the virtual waiting room - pure Python, no Django.

Model
-----
1. **Typical session length D** (:func:`typical_duration`) from the office's recent
   completed video sessions, given oldest -> newest in minutes:

   * only the newest ``max_samples`` are used, and non-positive or non-finite values
     are dropped (aborted sessions, clock glitches);
   * D is a *weighted median*: each session weighs ``0.5 ** (age / half_life)``
     with age 0 for the newest, so recent sessions count most, while a single
     forgotten-to-close 3-hour session cannot move the estimate the way it would
     move a mean;
   * with little history D is pulled towards ``default_minutes`` (the service's
     configured duration, or 10): ``D = (n * median + k * default) / (n + k)`` with
     ``n`` usable sessions and ``k = prior_strength``. No history -> D = default.

2. **Queue**: ``c`` officials serve video now, ``p`` people are ahead of the citizen
   and ``f`` of the officials are idle right now (if known).

   * ``c == 0`` -> None: nobody serves, so the wait is unknown, not infinite.
   * ``p < f`` -> 0: an idle official takes the citizen immediately.
   * otherwise the citizen is called at the ``p + 1 - f``-th session end. With ``c``
     officials whose sessions are staggered, sessions end on average every ``D / c``
     minutes, so ``wait = (p + 1 - f) * D / c``.

   When ``f`` is unknown it is taken as 0 (everyone busy). Assuming that every
   running session has just started makes the estimate deliberately pessimistic: a
   citizen called earlier than announced is happier than one kept waiting longer.

3. The result is rounded **up** to whole minutes, so any real wait shows as >= 1.

One rule for every page
-----------------------
:func:`office_wait_minutes` is the only estimate citizens see: the office list, the office
page and its API estimate for someone who joins now (``people_ahead`` = everyone waiting),
the ticket API and the ticket page for a citizen in the line (``people_ahead`` = their
place). Its inputs (:class:`WaitInputs`) come from one selector
(``scheduling.office_status.office_statuses``, also behind the waiting room's cached office facts),
so two pages showing the same situation show the same minutes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_SESSION_MINUTES = 10.0


@dataclass(frozen=True)
class EstimatorConfig:
    """Tuning knobs; the defaults suit a few dozen sessions per office and day."""

    max_samples: int = 20
    half_life_sessions: float = 5.0
    prior_strength: float = 2.0

    def __post_init__(self) -> None:
        if self.max_samples <= 0:
            raise ValueError("max_samples must be positive")
        if self.half_life_sessions <= 0:
            raise ValueError("half_life_sessions must be positive")
        if self.prior_strength < 0:
            raise ValueError("prior_strength must not be negative")


DEFAULT_CONFIG = EstimatorConfig()


def typical_duration(
    history: Sequence[float],
    default_minutes: float = DEFAULT_SESSION_MINUTES,
    config: EstimatorConfig = DEFAULT_CONFIG,
) -> float:
    """Robust, recency-weighted session length in minutes (see module docstring)."""
    _require_positive(default_minutes, "default_minutes")
    samples = _usable_samples(history, config.max_samples)
    if not samples:
        return float(default_minutes)
    weights = _recency_weights(len(samples), config.half_life_sessions)
    median = _weighted_median(samples, weights)
    n = len(samples)
    return (n * median + config.prior_strength * default_minutes) / (n + config.prior_strength)


def estimate_wait_minutes(
    history: Sequence[float],
    officials_serving: int,
    people_ahead: int,
    default_minutes: float = DEFAULT_SESSION_MINUTES,
    officials_free: int | None = None,
    config: EstimatorConfig = DEFAULT_CONFIG,
) -> int | None:
    """Estimated minutes until the citizen is called; None when nobody serves.

    ``history``: recent session durations in minutes, oldest first.
    ``officials_serving``: officials serving video now (idle or in a session).
    ``people_ahead``: citizens in the queue before this one (0 = first in line).
    ``officials_free``: how many of them are idle now, if known (else assumed 0).
    """
    if people_ahead < 0:
        raise ValueError("people_ahead must not be negative")
    if officials_serving <= 0:
        return None
    free = 0 if officials_free is None else officials_free
    if not 0 <= free <= officials_serving:
        raise ValueError("officials_free must be between 0 and officials_serving")
    if people_ahead < free:
        return 0
    session_ends_needed = people_ahead + 1 - free
    minutes = session_ends_needed * typical_duration(history, default_minutes, config)
    return _ceil_minutes(minutes / officials_serving)


@dataclass(frozen=True)
class WaitInputs:
    """What an open office's waiting time depends on right now.

    ``history``: minutes of its latest finished video sessions, oldest first.
    ``serving`` / ``free``: officials serving video now / of them idle now.
    ``default_minutes``: the average configured length of its active video services (or the
    platform default when it has none)."""

    history: tuple[float, ...]
    serving: int
    free: int
    default_minutes: float


def office_wait_minutes(inputs: WaitInputs | None, people_ahead: int) -> int | None:
    """Minutes until a citizen with ``people_ahead`` people before them is called.

    None (unknown, shown as "no estimate", never as 0) when there is nothing to estimate:
    ``inputs`` is None for an office that is closed or offers no video, and nobody serving
    video now makes the wait unknown. 0 only when an idle official takes the citizen at
    once."""
    if inputs is None:
        return None
    return estimate_wait_minutes(
        inputs.history,
        officials_serving=inputs.serving,
        people_ahead=people_ahead,
        default_minutes=inputs.default_minutes,
        officials_free=min(inputs.free, inputs.serving),
    )


def _usable_samples(history: Sequence[float], max_samples: int) -> list[float]:
    """The newest ``max_samples`` plausible durations, oldest first."""
    usable = [float(m) for m in history if math.isfinite(m) and m > 0]
    return usable[-max_samples:]


def _recency_weights(count: int, half_life: float) -> list[float]:
    """Weights for ``count`` samples ordered oldest first; the newest weighs 1."""
    return [0.5 ** ((count - 1 - i) / half_life) for i in range(count)]


def _weighted_median(values: Sequence[float], weights: Sequence[float]) -> float:
    """Smallest value whose cumulative weight reaches half of the total.

    The lower weighted median, so an exact tie between two values picks the
    shorter one - no interpolation, the result is always an observed duration.
    """
    pairs = sorted(zip(values, weights, strict=True))
    half = sum(weights) / 2
    cumulative = 0.0
    for value, weight in pairs:
        cumulative += weight
        if cumulative >= half:
            return value
    return pairs[-1][0]  # unreachable with positive weights; keeps type checkers calm


def _ceil_minutes(minutes: float) -> int:
    # Tolerate float noise such as 2.0000000001 so exact multiples don't round up.
    return max(0, math.ceil(round(minutes, 6)))


def _require_positive(value: float, name: str) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
