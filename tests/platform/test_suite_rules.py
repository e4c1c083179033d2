"""The suite's own rules (tests/conftest.py): a skip says why and fails CI (VBB_NO_SKIPS), and
VBB_TEST_NOW runs the suite at a chosen moment."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings


def _pytest(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_missing_webex_specs_skip_with_the_reason_and_fail_under_vbb_no_skips(tmp_path):
    # the conformance module and one cheap test that runs
    args = [
        "tests/videoconf/test_webex_fake_conformance.py",
        "tests/platform/test_database_url.py",
        "-k",
        "conformance or test_a_tcp_url",
    ]
    missing = str(tmp_path / "no-webex-here")
    plain = _pytest(*args, WEBEX_SPEC_DIR=missing, VBB_NO_SKIPS="")
    assert plain.returncode == 0, plain.stdout
    assert f"Webex OpenAPI files not found in {missing}" in plain.stdout  # without -rs
    ci = _pytest(*args, WEBEX_SPEC_DIR=missing, VBB_NO_SKIPS="1")
    assert ci.returncode == 1, ci.stdout
    assert "VBB_NO_SKIPS is set and 1 test(s) or module(s) were skipped" in ci.stdout


def test_vbb_test_now_moves_the_sessions_clock():
    done = _pytest(
        "--collect-only",
        "-v",
        "tests/platform/test_suite_rules.py",
        VBB_TEST_NOW="2026-12-03T15:00",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "clock moved by VBB_TEST_NOW: now is Thursday 2026-12-03 15:00 CET" in done.stdout
