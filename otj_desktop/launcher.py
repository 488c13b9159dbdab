"""Start-up and shut-down, in order.

Start: check the data folder -> log to a file -> claim the data folder (or hand over to the app
already running on it, and exit 0) -> open and migrate the database -> build the app -> start
the server on a free loopback port -> publish the single-instance secret -> print the launch
URL -> the user interface: native windows; the system browser when no GUI is available; or
nothing with ``--headless``.
Stop (the last window closing, File → Quit, Ctrl+C, SIGTERM): close the windows (which ends
their event streams) and remember them -> stop the server (any stream left is ended first) ->
checkpoint the database -> withdraw the secret and release the data folder -> exit 0.

Anything the user can get wrong (a busy port, an unusable data folder, a database from a newer
release) is reported as one sentence on stderr with exit status 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import multiprocessing
import os
import signal
import sys
import threading
import time
import webbrowser
from collections.abc import Sequence
from pathlib import Path

from otj_desktop import APP_NAME, __version__, gui_probe, paths
from otj_desktop.instance import NoAnswer, SingleInstance, ask_running_app
from otj_desktop.server import AppServer, PortInUse
from otj_desktop.store.db import StorageError

EXIT_OK = 0
EXIT_USAGE = 2

log = logging.getLogger("otj_desktop")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="otj-desktop", description=f"{APP_NAME}: log off-the-job training."
    )
    parser.add_argument("--headless", action="store_true", help="serve without opening a window")
    parser.add_argument(
        "--data-dir",
        metavar="PATH",
        help=f"data folder (default: the user data folder; or ${paths.DATA_DIR_ENV})",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)"
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    multiprocessing.freeze_support()
    args = parse_args(argv)
    stop = threading.Event()
    _stop_on_signals(stop)  # before anything starts, so a signal never finds Python's default
    try:
        data_dir, explicit = paths.resolve_data_dir(args.data_dir)
        paths.prepare_data_dir(data_dir)
        log_file = setup_logging(paths.log_dir(data_dir, explicit))
        instance = SingleInstance(data_dir)
        if not instance.claim():
            return hand_over_to_running_app(data_dir, headless=args.headless)
        app = _build_app(data_dir)
        app.config.update(LOG_FILE=str(log_file), INSTANCE_SECRET=instance.secret)
        server = AppServer(app, port=args.port)
        base_url = server.start()
        instance.publish(server.port)
    except (paths.DataDirError, StorageError, PortInUse) as exc:
        print(f"{APP_NAME} could not start: {exc}", file=sys.stderr)
        return EXIT_USAGE

    from otj_desktop.web.security import launch_path

    state = app.extensions["otj"]
    launch_url = base_url + launch_path(state.launch_tokens)
    print(f"{APP_NAME} is running at {launch_url}", flush=True)
    log.info("Started %s %s with data in %s", APP_NAME, __version__, data_dir)

    show_user_interface(app, server, stop, headless=args.headless)
    shutdown(server, state, instance)
    leave_stuck_threads_behind()
    return EXIT_OK


def _build_app(data_dir: Path):
    from otj_desktop.web import create_app

    return create_app({"DATA_DIR": data_dir})


def hand_over_to_running_app(data_dir: Path, *, headless: bool) -> int:
    """Another launch holds this data folder: ask it for a window (or its address), exit 0."""
    try:
        answer = ask_running_app(data_dir, want_window=not headless)
    except NoAnswer as exc:
        print(f"{APP_NAME} could not start: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if answer.opened:
        print(f"{APP_NAME} is already running; it opened a new window.", flush=True)
    else:
        print(f"{APP_NAME} is already running at {answer.launch_url}", flush=True)
        if not headless and gui_probe.can_open_browser():
            webbrowser.open(answer.launch_url)
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

    from otj_desktop import menus, test_control, windows
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
    test_control.start_if_requested(shell, server)
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
        webbrowser.open(url)
    else:
        print(
            f"{APP_NAME} cannot open its own window because {problem}; "
            f"open {url} in a web browser on this computer.",
            file=sys.stderr,
            flush=True,
        )
    log.warning("No app window: %s", problem)


def shutdown(server: AppServer, state, instance: SingleInstance | None = None) -> None:
    """Stop serving, leave the database tidy, then let the next launch have the data folder."""
    server.stop()
    state.db.checkpoint_and_close()
    if instance is not None:
        instance.release()
    log.info("Stopped cleanly")


def leave_stuck_threads_behind(grace: float = 1.0) -> None:
    """Exit now if a thread would keep the finished process alive.

    pywebview runs window event handlers on non-daemon threads; one that was waiting for an
    answer from the GUI when the GUI closed (``run_js`` as the app quits) waits forever, and
    Python waits for it at exit (measured: about 1 start-and-quit race in 15). Everything that
    matters is closed by now, so after a short grace period the process leaves without them.
    """
    deadline = time.monotonic() + grace
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [t.name for t in threading.enumerate() if t.is_alive() and not t.daemon]
    if len(stuck) > 1:  # more than this (main) thread
        log.info("Leaving %d stuck GUI threads behind", len(stuck) - 1)
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_OK)


def _stop_on_signals(stop: threading.Event) -> None:
    def handler(signum: int, _frame) -> None:
        log.info("Received signal %d", signum)
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def setup_logging(folder: Path) -> Path:
    """Log to a rotating file (1 MB x 3) in ``folder``; returns the file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    log_file = folder / "otj-desktop.log"
    handler = logging.handlers.RotatingFileHandler(
        log_file, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    return log_file
