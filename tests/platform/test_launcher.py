"""`make run` keeps the platform up: a child that dies is restarted with backoff, the others
keep running, and Ctrl-C stops them all. `make test ARGS=…` passes ARGS through to pytest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from django.conf import settings

from platform_core.launcher import pytest_command

SUPERVISOR = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from platform_core.launcher import Child, supervise
    out = Path(sys.argv[1])
    flaky = ("import os, sys, pathlib; p = pathlib.Path(sys.argv[1]); "
             "p.write_text(p.read_text() + 'x' if p.exists() else 'x'); sys.exit(3)")
    steady = ("import os, sys, time, pathlib; p = pathlib.Path(sys.argv[1]); "
              "p.write_text(p.read_text() + f'{os.getpid()}\\\\n' if p.exists() "
              "else f'{os.getpid()}\\\\n'); time.sleep(600)")
    children = [
        Child("flaky", [sys.executable, "-c", flaky, str(out / "flaky")]),
        Child("steady", [sys.executable, "-c", steady, str(out / "steady")]),
    ]
    sys.exit(supervise(children, env=dict(os.environ), cwd=out, backoff=0.2, max_backoff=0.8))
    """
)


def _wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_child_that_dies_is_restarted_with_backoff_and_ctrl_c_stops_all(tmp_path: Path):
    supervisor = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, str(tmp_path)],
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        flaky, steady = tmp_path / "flaky", tmp_path / "steady"
        _wait_for(lambda: flaky.exists() and len(flaky.read_text()) >= 4)
        assert supervisor.poll() is None, "the supervisor stopped when a child died"
        pids = steady.read_text().split()
        assert len(pids) == 1, "the steady child was restarted, or stopped"
        assert _alive(int(pids[0]))
        supervisor.send_signal(signal.SIGINT)
        output, _ = supervisor.communicate(timeout=30)
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
    assert supervisor.returncode == 0, output
    _wait_for(lambda: not _alive(int(pids[0])), timeout=10)
    restarts = [line for line in output.splitlines() if "flaky exited with 3" in line]
    assert len(restarts) >= 3, output
    # backoff doubles while it keeps dying: 0.2, 0.4, 0.8, then stays at the maximum
    assert "restarting in 0.2 s" in restarts[0] and "restarting in 0.4 s" in restarts[1], output
    assert "restarting in 0.8 s" in restarts[2], output
    assert "flaky restarted" in output and "steady exited" not in output


def _collected(kind: str, args: list[str]) -> list[str]:
    done = subprocess.run(
        [*pytest_command(kind, args), "--collect-only"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return [line for line in done.stdout.splitlines() if "::" in line]


def test_make_test_args_starting_with_an_option_reach_pytest_and_keep_benchmarks_out():
    # (the other folders left out only to keep the collection short)
    rest = ["--ignore=tests/scheduling", "--ignore=tests/videoconf", "--ignore=tests/offices"]
    collected = _collected("test", ["--durations=25", *rest])
    assert any(node.startswith("tests/platform/test_launcher.py::") for node in collected)
    assert not any(node.startswith("tests/benchmarks/") for node in collected)


def test_make_bench_runs_the_benchmarks_and_a_path_chooses_them():
    assert {n.split("::")[0] for n in _collected("bench", ["-k", "slots"])} == {
        "tests/benchmarks/bench_slots.py"
    }
    named = _collected("test", ["tests/benchmarks/bench_slots.py"])
    assert named and all(n.startswith("tests/benchmarks/bench_slots.py::") for n in named)
