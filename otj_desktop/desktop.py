"""What the user sees once the server runs: native windows, or the system browser instead.

``show_user_interface`` tries the app's own pywebview windows (after checking a display and the
window backend exist, because Qt aborts the whole process without one), falls back to the
system browser with one sentence saying why, and with ``--headless`` shows nothing.
``hand_over_to_running_app`` is what a second launch does: ask the running app for a window.
The browser is always sent a 0600 page that redirects to the launch URL, never the URL itself
(``browser_open.py``: a command line is readable by every user of the computer).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import webbrowser
from pathlib import Path

from otj_desktop import APP_NAME, browser_open, gui_probe, startup_problem
from otj_desktop.instance import NoAnswer, ask_running_app
from otj_desktop.server import AppServer
from otj_desktop.store.db import StorageError

EXIT_OK = 0
EXIT_USAGE = 2
TEST_CONTROL_ENV = "OTJ_DESKTOP_TEST_CONTROL"  # test_control.ENV (that module is test-only)

log = logging.getLogger("otj_desktop")


def hand_over_to_running_app(data_dir: Path, *, headless: bool, stop: threading.Event) -> int:
    """Another launch holds this data folder: ask it for a window (or its address), exit 0."""
    try:
        answer = ask_running_app(data_dir, want_window=not headless)
    except NoAnswer as exc:
        problem = startup_problem.Problem(str(exc), EXIT_USAGE)
        startup_problem.report(problem, headless=headless, stop=stop)
        return EXIT_USAGE
    if answer.opened:
        print(f"{APP_NAME} is already running; it opened a new window.", flush=True)
    else:
        print(f"{APP_NAME} is already running at {answer.launch_url}", flush=True)
        if not headless and answer.browser_page and gui_probe.can_open_browser():
            # The running app's 0600 page, never the launch URL itself (browser_open.py).
            webbrowser.open(Path(answer.browser_page).as_uri())
    return EXIT_OK


def show_user_interface(app, server: AppServer, stop: threading.Event, *, headless: bool) -> None:
    """Native windows, else the system browser, else (``--headless``) nothing; returns when the
    app should stop."""
    if headless or stop.is_set():  # stopped during start-up: nothing to show
        stop.wait()
        return
    gui_probe.prepare_environment()
    problem = gui_probe.gui_problem()
    if problem is None:
        try:
            run_windows(app, server, stop)
            return
        except GuiUnavailable as exc:
            problem = str(exc)
    fall_back_to_browser(app, server, problem)
    stop.wait()


class GuiUnavailable(Exception):
    """The window backend failed to start; the message says why."""


def run_windows(app, server: AppServer, stop: threading.Event) -> None:
    """The app's own windows, until the last one closes, File → Quit, or a signal."""
    from webview.errors import WebViewException

    from otj_desktop import menus, windows
    from otj_desktop.web.context import DesktopBridge
    from otj_desktop.web.security import launch_path

    state = app.extensions["otj"]
    shell = windows.DesktopShell(
        base_url=server.base_url, launch_path=lambda path: launch_path(state.launch_tokens, path)
    )
    menu = menus.build_menu(
        menus.MenuCommands(shell, state.db, state.data_dir),
        shortcut_hints=windows.gui_backend() == "qt",
    )
    watcher = threading.Thread(target=_quit_when_stopped, args=(stop, shell), daemon=True)
    watcher.start()
    _start_test_control(shell, server)
    state.desktop = shell.bridge()
    try:
        open_at_quit = shell.run(windows.load_window_state(state.db), menu)
    except WebViewException as exc:  # e.g. no Qt bindings: pywebview raises after logging
        raise GuiUnavailable(f"the window backend did not start ({exc})") from exc
    finally:
        state.desktop = DesktopBridge()  # pages can no longer ask for windows
    stop.set()  # the windows are gone: the app stops (and the watcher finishes)
    try:
        windows.save_window_state(state.db, open_at_quit)
    except StorageError:
        log.warning("Could not remember the open windows", exc_info=True)


def _start_test_control(shell, server: AppServer) -> None:
    """The test suite's control channel (``test_control.py``), only when a test asks for it:
    the module is not in the installed app (``build/bundle_rules.py``)."""
    if not os.environ.get(TEST_CONTROL_ENV):
        return
    try:
        from otj_desktop import test_control
    except ImportError:
        log.warning("%s is set, but this copy of the app has no test control", TEST_CONTROL_ENV)
        return
    test_control.start_if_requested(shell, server)


def _quit_when_stopped(stop: threading.Event, shell) -> None:
    stop.wait()
    shell.quit()


def fall_back_to_browser(app, server: AppServer, problem: str) -> None:
    """No windows here: say so in one sentence and use the system browser instead."""
    from otj_desktop.web.security import launch_path

    url = server.base_url + launch_path(app.extensions["otj"].launch_tokens)
    if gui_probe.can_open_browser():
        print(
            f"{APP_NAME} cannot open its own window because {problem}; "
            "opening it in your web browser instead.",
            file=sys.stderr,
            flush=True,
        )
        browser_open.pages_for(app).open(url)
    else:
        print(
            f"{APP_NAME} cannot open its own window because {problem}; "
            f"open {url} in a web browser on this computer.",
            file=sys.stderr,
            flush=True,
        )
    log.warning("No app window: %s", problem)
