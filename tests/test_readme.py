"""README.md gives exactly two commands, one to run the app and one to run the tests, and CI
runs the very same test command (so the README's command is the one known to work)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CODE_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)


def readme_commands() -> list[str]:
    blocks = CODE_BLOCK.findall((REPO / "README.md").read_text(encoding="utf-8"))
    return [block.strip() for block in blocks]


def test_the_readme_gives_exactly_two_one_line_commands():
    commands = readme_commands()
    assert len(commands) == 2, commands
    assert all("\n" not in command for command in commands), commands
    run, test = commands
    assert run.endswith("otj-desktop") and "python3 -m venv .venv" in run
    assert test.endswith("-m pytest") and "'.[test]'" in test


def test_ci_runs_the_readme_test_command_word_for_word():
    test_command = readme_commands()[1]
    ci_lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci_lines
