"""The README's local-trial command still runs: `python -m devtools.webex_fake`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_fake_webex_command_starts_from_the_project_root():
    result = subprocess.run(
        [sys.executable, "-m", "devtools.webex_fake", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "python -m devtools.webex_fake" in result.stdout
    assert "--deliver-webhooks" in result.stdout
