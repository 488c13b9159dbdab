"""The code stays lint-clean and formatted, and the vendored front-end files match their pins."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=120
    )


def test_ruff_finds_no_problems():
    result = run("-m", "ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_code_is_ruff_formatted():
    result = run("-m", "ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_vendored_files_match_their_recorded_versions_and_hashes():
    result = run("build/vendor_frontend.py", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
