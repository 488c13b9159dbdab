"""TEST ONLY: lets the test suite (and bench/windows.py) drive the app's real windows.

Off unless the environment variable ``OTJ_DESKTOP_TEST_CONTROL`` is set, which nobody does
outside tests. Its value is ``127.0.0.1:PORT`` of a socket the *test* is listening on: the app
connects out to it and takes one JSON command per line. The app opens no port of its own, so
the channel adds nothing another process could reach; only the process that started the app
(and chose the variable) can talk to it.

Commands are thin wrappers over the shell, so the tests exercise the real code paths: menu
items are triggered on the real Qt menu bar, windows closed as a user's close would be, and
pages driven with ``run_js``. Replies are ``{"ok": true, "result": ...}`` or
``{"ok": false, "error": "..."}``.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from otj_desktop.server import AppServer
from otj_desktop.windows import DesktopShell

ENV = "OTJ_DESKTOP_TEST_CONTROL"

log = logging.getLogger(__name__)


def start_if_requested(shell: DesktopShell, server: AppServer) -> None:
    _start(Controller(shell, server))


def start_for_one_window(window: Any) -> None:
    """The start-up problem's window (``problem_window.py``, a process of its own)."""
    _start(OneWindow(window))


def _start(controller: _Channel) -> None:
    address = os.environ.get(ENV)
    if not address:
        return
    host, _, port = address.rpartition(":")
    if host != "127.0.0.1":
        log.warning("%s must point at 127.0.0.1; ignored", ENV)
        return
    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.settimeout(None)
    log.warning("Test control channel connected (%s is set)", ENV)
    thread = threading.Thread(target=controller.serve, args=(sock,), name="test-control")
    thread.daemon = True
    thread.start()


class _Channel:
    """One JSON command per line, each answered by the ``op_<name>`` method."""

    def serve(self, sock: socket.socket) -> None:
        with sock, sock.makefile("rw", encoding="utf-8", newline="\n") as stream:
            for line in stream:
                try:
                    request = json.loads(line)
                    handler: Callable[..., Any] = getattr(self, "op_" + request["op"])
                    reply = {"ok": True, "result": handler(**request.get("args", {}))}
                except Exception as exc:  # reported to the test, not raised here
                    reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
                stream.write(json.dumps(reply, default=str) + "\n")
                stream.flush()


class OneWindow(_Channel):
    """Drives a single window that has no shell around it (Qt only)."""

    def __init__(self, window: Any) -> None:
        self.window = window
        self.loaded_at: float | None = None
        window.events.loaded += self._on_loaded

    def _on_loaded(self, *_args: Any) -> None:
        self.loaded_at = self.loaded_at or time.monotonic()

    def op_windows(self) -> list[dict[str, Any]]:
        from otj_desktop import windows_qt

        loaded = self.window.events.loaded.is_set()
        info: dict[str, Any] = {"id": self.window.uid, "loaded_at": self.loaded_at}
        if loaded:
            info["path"] = self.window.run_js("location.pathname")
        if windows_qt.invoker is not None:
            native = self.window.native
            info["native_title"] = windows_qt.invoker.call(native.windowTitle)
        return [info]

    def op_run_js(self, window: str, js: str) -> Any:
        return self.window.run_js(js)

    def op_close(self, window: str) -> None:
        self.window.destroy()

    def op_screenshot(self, path: str) -> list[int]:
        """Save this window (not the screen) as PNG; returns its size."""
        from otj_desktop import windows_qt

        def grab() -> list[int]:
            pixmap = self.window.native.grab()
            if not pixmap.save(path, "PNG"):
                raise OSError(f"could not save {path}")
            return [pixmap.width(), pixmap.height()]

        return windows_qt.invoker.call(grab)


class Controller(_Channel):
    def __init__(self, shell: DesktopShell, server: AppServer) -> None:
        self.shell = shell
        self.server = server

    # -- windows -------------------------------------------------------------------------------

    def op_started(self) -> bool:
        return self.shell.started.is_set()

    def op_windows(self) -> list[dict[str, Any]]:
        windows = self.shell.windows()
        for info in windows:
            native = getattr(self.shell.window(info["id"]), "native", None)
            if native is not None and self.shell.backend == "qt":
                info["native_title"], info["native_geometry"] = self.shell.on_gui_thread(
                    lambda n=native: (n.windowTitle(), [n.x(), n.y(), n.width(), n.height()])
                )
        return windows

    def op_run_js(self, window: str, js: str) -> Any:
        return self.shell.window(window).run_js(js)

    def op_load(self, window: str, path: str) -> None:
        self.shell.window(window).load_url(self.shell.base_url + path)

    def op_close(self, window: str) -> None:
        """Close as the user would (on Qt, ``destroy`` is exactly the close-button path)."""
        self.shell.window(window).destroy()

    def op_place(self, window: str, x: int, y: int, width: int, height: int) -> None:
        target = self.shell.window(window)
        target.resize(width, height)
        target.move(x, y)

    def op_open_window(self, path: str) -> bool:
        return self.shell.open_window(path)

    def op_quit(self) -> None:
        self.shell.quit()

    # -- menus and dialogs (Qt) ----------------------------------------------------------------

    def op_menu(self, path: list[str], window: str | None = None) -> list[str]:
        """Trigger a menu item by its labels, e.g. ``["File", "New window"]``; returns the
        top-level menu titles."""
        target = self.shell.window(window) if window else self.shell.active_window()
        native = target.native

        def trigger() -> list[str]:
            bar = native.menuBar()
            titles = [a.text() for a in bar.actions()]
            actions = bar.actions()
            for label in path:
                match = [a for a in actions if a.text().split("\t")[0] == label]
                if not match:
                    raise LookupError(f"no menu item {label!r} in {[a.text() for a in actions]}")
                action = match[0]
                actions = action.menu().actions() if action.menu() else []
            action.trigger()
            return titles

        return self.shell.on_gui_thread(trigger)

    def op_menu_items(self, menu: str) -> list[str]:
        native = self.shell.active_window().native

        def items() -> list[str]:
            for action in native.menuBar().actions():
                if action.text() == menu:
                    return [a.text() for a in action.menu().actions() if not a.isSeparator()]
            return []

        return self.shell.on_gui_thread(items)

    def op_answer_file_dialog(self, path: str | None) -> bool:
        """Choose ``path`` in the open file dialog (None cancels). False if none is open."""

        def answer() -> bool:
            from qtpy.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QLineEdit

            for widget in QApplication.topLevelWidgets():
                if isinstance(widget, QFileDialog) and widget.isVisible():
                    if path is None:
                        widget.reject()
                        return True
                    # Type the path as a user would (QFileDialog.accept is protected), then
                    # press the dialog's Open/Save button.
                    widget.findChild(QLineEdit, "fileNameEdit").setText(path)
                    box = widget.findChild(QDialogButtonBox)
                    accept = QDialogButtonBox.ButtonRole.AcceptRole
                    [button] = [b for b in box.buttons() if box.buttonRole(b) == accept]
                    button.click()
                    return True
            return False

        return self.shell.on_gui_thread(answer)

    def op_message_box(self) -> str | None:
        """The text of an open message box, which is then dismissed; None if there is none."""

        def read() -> str | None:
            from qtpy.QtWidgets import QApplication, QMessageBox

            for widget in QApplication.topLevelWidgets():
                if isinstance(widget, QMessageBox) and widget.isVisible():
                    text = widget.text()
                    widget.reject()
                    return text
            return None

        return self.shell.on_gui_thread(read)

    def op_screenshot(self, path: str) -> list[int]:
        """Save the whole screen as PNG; returns its size."""

        def grab() -> list[int]:
            from qtpy.QtWidgets import QApplication

            pixmap = QApplication.primaryScreen().grabWindow(0)
            if not pixmap.save(path, "PNG"):
                raise OSError(f"could not save {path}")
            return [pixmap.width(), pixmap.height()]

        return self.shell.on_gui_thread(grab)

    # -- the server ----------------------------------------------------------------------------

    def op_server(self) -> dict[str, int]:
        """Open event streams, and waitress worker threads busy right now."""
        return {
            "streams": self.server.app.extensions["otj"].broker.subscriber_count,
            "busy_threads": self.server.busy_threads,
        }
