"""Benchmark helpers: time a callable, compare against a baseline measured in the same run,
print a line and record it in .data/bench/results.json (read by the README's table)."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[2] / ".data" / "bench" / "results.json"


@dataclass
class Stats:
    n: int
    p50_ms: float
    p95_ms: float
    mean_ms: float

    @classmethod
    def of(cls, samples_s: list[float]) -> Stats:
        ms = sorted(s * 1000 for s in samples_s)
        p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
        return cls(
            n=len(ms), p50_ms=statistics.median(ms), p95_ms=p95, mean_ms=statistics.fmean(ms)
        )


def measure(fn: Callable[[], object], *, n: int, warmup: int = 3) -> Stats:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return Stats.of(samples)


def record(name: str, **values) -> None:
    """Print and store one benchmark result (ratios and the numbers they come from)."""
    line = " ".join(
        f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items()
    )
    print(f"\n[bench] {name}: {line}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data[name] = {k: (asdict(v) if isinstance(v, Stats) else v) for k, v in values.items()}
    RESULTS.write_text(json.dumps(data, indent=2, sort_keys=True))
