"""What the desktop shell does for the evidence features: Save as PDF through the native Save
dialog (``DesktopShell.save_file``), and opening a file with the system's default program."""

from __future__ import annotations

from pathlib import Path

import pytest

from otj_desktop import os_open
from otj_desktop.windows import DesktopShell


class _FakeWindow:
    uid = "w1"

    def __init__(self, answer) -> None:
        self.answer = answer
        self.asked: list[dict] = []

    def create_file_dialog(self, dialog_type, **kwargs):
        self.asked.append({"type": dialog_type, **kwargs})
        return self.answer


def shell_with(window) -> DesktopShell:
    shell = DesktopShell(base_url="http://127.0.0.1:1", launch_path=lambda path: path)
    shell.active_window = lambda: window  # type: ignore[method-assign]
    return shell


def test_save_file_asks_where_with_the_suggested_name_and_writes_there(tmp_path):
    pytest.importorskip("webview")
    import webview

    target = tmp_path / "chosen.pdf"
    window = _FakeWindow((str(target),))
    saved = shell_with(window).save_file("otj-evidence-pack-2026-11-27.pdf", b"%PDF-1.7 ...")
    assert saved == str(target) and target.read_bytes() == b"%PDF-1.7 ..."
    [asked] = window.asked
    assert asked["type"] == webview.FileDialog.SAVE
    assert asked["save_filename"] == "otj-evidence-pack-2026-11-27.pdf"
    assert not list(tmp_path.glob("*.part"))


def test_save_file_cancelled_or_without_a_window_writes_nothing(tmp_path):
    pytest.importorskip("webview")
    assert shell_with(_FakeWindow(None)).save_file("x.pdf", b"data") is None
    assert shell_with(None).save_file("x.pdf", b"data") is None
    assert list(tmp_path.iterdir()) == []


def test_the_bridge_of_the_shell_offers_open_and_save():
    bridge = shell_with(None).bridge()
    assert bridge.has_windows and bridge.open_path is os_open.open_with_default_app


def test_open_uses_the_platform_opener_with_a_fixed_argument_list(monkeypatch, tmp_path):
    calls: list[list[str]] = []
    monkeypatch.setattr(os_open.subprocess, "Popen", lambda args, **kw: calls.append(args))
    monkeypatch.setattr(os_open.sys, "platform", "linux")
    path = tmp_path / "report.pdf"
    assert os_open.open_with_default_app(path)
    monkeypatch.setattr(os_open.sys, "platform", "darwin")
    assert os_open.open_with_default_app(path)
    assert calls == [["xdg-open", str(path)], ["open", "--", str(path)]]


def test_open_reports_failure_when_there_is_no_opener(monkeypatch, tmp_path):
    def missing(*args, **kwargs):
        raise FileNotFoundError("xdg-open")

    monkeypatch.setattr(os_open.subprocess, "Popen", missing)
    monkeypatch.setattr(os_open.sys, "platform", "linux")
    assert os_open.open_with_default_app(Path(tmp_path / "a.txt")) is False


def test_writing_atomically_leaves_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "pack.pdf"
    target.write_bytes(b"old")

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os_open.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space"):
        os_open.write_atomically(target, b"new")
    assert target.read_bytes() == b"old" and not list(tmp_path.glob("*.part"))
