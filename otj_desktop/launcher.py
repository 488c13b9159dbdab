"""Start-up and shut-down, in order.

Start: files private to this user (umask 0o077; an older, looser data folder tightened once)
-> check the data folder -> log to a file -> claim the data folder (or hand over to the app
already running on it, and exit 0) -> check the database is intact -> open and migrate it ->
build the app -> the day's first backup -> the day scheduler (drafts due from recurring
templates, then a check once a minute) -> start the server on a free loopback port -> publish
the single-instance secret -> print the launch URL -> the user interface (``desktop.py``):
native windows; the system browser when no GUI is available; or nothing with ``--headless``.
Stop (the last window closing, File → Quit, Ctrl+C, SIGTERM): close the windows (which ends
their event streams) and remember them -> stop the day scheduler -> stop the server (any
stream left is ended first) -> checkpoint the database -> withdraw the secret and release the
data folder -> exit 0.

Anything the user can get wrong (a busy port, an unusable data folder, a database from a newer
release) is reported as one sentence on stderr with exit status 2, never as a traceback; a
damaged database gives exit status 3 and the command that restores the newest good backup.
Unless ``--headless``, the sentence is also shown in a small window (or the browser) for
someone who double-clicked the app, with a "Restore the newest good backup" button for a
damaged database, after which the start carries on (``startup_problem.py``).
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
from collections.abc import Sequence
from pathlib import Path

from otj_desktop import APP_NAME, __version__, browser_open, paths, startup_checks, startup_problem
from otj_desktop.desktop import hand_over_to_running_app, show_user_interface
from otj_desktop.instance import SingleInstance
from otj_desktop.scheduler import DayScheduler
from otj_desktop.server import AppServer, PortInUse
from otj_desktop.startup_problem import Problem
from otj_desktop.store.db import StorageError

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_DAMAGED = startup_checks.EXIT_DAMAGED  # 3

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
        "--port",
        type=_port,
        default=0,
        metavar="1-65535",
        help="port on 127.0.0.1 (default: any free port)",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this copy of the app works (on a temporary data folder), then exit 0 or 1",
    )
    parser.add_argument(
        "--restore-latest-backup",
        action="store_true",
        help="if the database is damaged, move it aside and restore the newest good backup",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    return parser.parse_args(argv)


def _port(text: str) -> int:
    """A TCP port for ``--port``: 70000 used to bind some other port, -5 to end in a traceback."""
    plain = text.isascii() and text.isdigit()  # int() would take " 80", "+80" and "٨٠"
    if not plain or int(text) > 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a port: give a whole number from 1 to 65535 (or 0 for any free port)"
        )
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    multiprocessing.freeze_support()
    args = parse_args(argv)
    if args.self_test:  # first: it must never touch the user's data or a running instance
        from otj_desktop.selftest import main as self_test

        return self_test(args.data_dir)
    user_umask = paths.keep_files_private()  # before anything is written
    try:
        return _run(args)
    finally:
        paths.restore_umask(user_umask)  # for callers in the same process (tests)


def _run(args: argparse.Namespace) -> int:
    stop = threading.Event()
    _stop_on_signals(stop)  # before anything starts, so a signal never finds Python's default
    try:
        data_dir, explicit = paths.resolve_data_dir(args.data_dir)
        paths.prepare_data_dir(data_dir)
        log_file = setup_logging(paths.log_dir(data_dir, explicit))
        _make_private(data_dir, log_file.parent)
        instance = SingleInstance(data_dir)
        if not instance.claim():
            return hand_over_to_running_app(data_dir, headless=args.headless, stop=stop)
        browser_open.remove_pages(data_dir)  # left by a run that crashed
        damaged = startup_checks.check_database(data_dir, args, explicit)
        if damaged and not startup_problem.report(damaged, headless=args.headless, stop=stop):
            return damaged.exit_code
        app = _build_app(data_dir)
        app.config.update(LOG_FILE=str(log_file), INSTANCE_SECRET=instance.secret)
        startup_checks.sweep_attachments(app)
        startup_checks.first_backup_of_the_day(app)
    except (paths.DataDirError, StorageError) as exc:
        return _could_not_start(str(exc), args, stop)
    state = app.extensions["otj"]
    scheduler = DayScheduler(state)
    scheduler.start()  # before serving: the first window shows the drafts already made
    server = AppServer(app, port=args.port)
    try:
        base_url = server.start()
    except PortInUse as exc:
        scheduler.stop()
        state.db.checkpoint_and_close()
        return _could_not_start(str(exc), args, stop)
    instance.publish(server.port)

    from otj_desktop.web.security import launch_path

    launch_url = base_url + launch_path(state.launch_tokens)
    print(f"{APP_NAME} is running at {launch_url}", flush=True)
    log.info("Started %s %s with data in %s", APP_NAME, __version__, data_dir)

    show_user_interface(app, server, stop, headless=args.headless)
    scheduler.stop()
    shutdown(server, state, instance)
    leave_stuck_threads_behind()
    return EXIT_OK


def _could_not_start(sentence: str, args: argparse.Namespace, stop: threading.Event) -> int:
    """One sentence on stderr, and (unless ``--headless``) where a double-clicker sees it."""
    startup_problem.report(Problem(sentence, EXIT_USAGE), headless=args.headless, stop=stop)
    return EXIT_USAGE


def _make_private(data_dir: Path, log_dir: Path) -> None:
    """Folders an older version left readable by other users: theirs no longer (once)."""
    for folder in dict.fromkeys((data_dir, log_dir)):
        changed = paths.tighten_permissions(folder)
        if changed:
            log.info("Made %d files and folders in %s private to this user", changed, folder)


def _build_app(data_dir: Path):
    from otj_desktop.web import create_app

    return create_app({"DATA_DIR": data_dir})


def shutdown(server: AppServer, state, instance: SingleInstance | None = None) -> None:
    """Stop serving, leave the database tidy, then let the next launch have the data folder."""
    server.stop()
    state.db.checkpoint_and_close()
    browser_open.remove_pages(Path(state.data_dir))
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
        stop.set()
        # Not logged here: the handler runs between two bytecodes of the main thread, which may
        # be inside the log file's own write ("reentrant call" on the file, found by the window
        # tests). A thread waits its turn for the handler's lock instead.
        threading.Thread(
            target=log.info, args=("Received signal %d", signum), name="signal-log", daemon=True
        ).start()

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
