"""The installed app leaves the test-only control channel out, and runs without it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from otj_desktop import desktop, test_control
from tests.process_helpers import REPO

sys.path.insert(0, str(REPO / "build"))
import bundle_rules as rules


@pytest.mark.parametrize("platform", ["linux", "win32", "darwin"])
def test_no_bundle_carries_the_test_control_channel(platform):
    assert "otj_desktop.test_control" in rules.excludes(platform)


def test_the_app_imports_the_test_control_channel_only_when_a_test_asks_for_it():
    assert desktop.TEST_CONTROL_ENV == test_control.ENV
    check = (
        "import sys, otj_desktop.launcher, otj_desktop.desktop, otj_desktop.windows, "
        "otj_desktop.menus; print('otj_desktop.test_control' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert result.stdout.strip() == "False"


def test_without_the_module_the_variable_is_ignored_with_a_warning(monkeypatch, caplog):
    monkeypatch.setenv(desktop.TEST_CONTROL_ENV, "127.0.0.1:9")
    import otj_desktop

    # As in the bundle: the module cannot be imported.
    monkeypatch.setitem(sys.modules, "otj_desktop.test_control", None)
    monkeypatch.delattr(otj_desktop, "test_control")
    desktop._start_test_control(shell=None, server=None)
    assert "has no test control" in caplog.text


def test_the_control_channel_stays_off_without_the_variable(monkeypatch):
    monkeypatch.delenv(desktop.TEST_CONTROL_ENV, raising=False)
    calls = []
    monkeypatch.setattr(test_control, "start_if_requested", lambda *a: calls.append(a))
    desktop._start_test_control(shell=None, server=None)
    assert calls == []
