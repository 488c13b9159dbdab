"""Start-up and shut-down, in order.

Start: check the data folder -> log to a file -> check the database is intact -> open and
migrate the database -> build the app -> the day's first backup -> start the server on a free
loopback port -> print the launch URL -> (windows, or wait).
Stop (Ctrl+C, SIGTERM, or the last window closing): end the event streams -> stop the server ->
checkpoint the database -> exit 0.

Anything the user can get wrong (a busy port, an unusable data folder, a database from a newer
release) is reported as one sentence on stderr with exit status 2, never as a traceback.
A damaged database stops the start with exit status 3 and a message saying how to restore the
newest good backup (``--restore-latest-backup``); the damaged file is never written to.
"""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import multiprocessing
import shlex
import signal
import sys
import threading
import webbrowser
from collections.abc import Sequence
from pathlib import Path

from otj_desktop import APP_NAME, __version__, paths
from otj_desktop.server import AppServer, PortInUse
from otj_desktop.store.db import StorageError

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_DAMAGED = 3

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


def main(argv: Sequence[str] | None = None) -> int:
    multiprocessing.freeze_support()
    args = parse_args(argv)
    if args.self_test:  # first: it must never touch the user's data or a running instance
        from otj_desktop.selftest import main as self_test

        return self_test(args.data_dir)
    stop = threading.Event()
    _stop_on_signals(stop)  # before anything starts, so a signal never finds Python's default
    try:
        data_dir, explicit = paths.resolve_data_dir(args.data_dir)
        paths.prepare_data_dir(data_dir)
        setup_logging(paths.log_dir(data_dir, explicit))
        damaged = _check_database(data_dir, args, explicit)
        if damaged:
            print(f"{APP_NAME} could not start: {damaged}", file=sys.stderr)
            return EXIT_DAMAGED
        app = _build_app(data_dir)
        _first_backup_of_the_day(app)
        server = AppServer(app, port=args.port)
        base_url = server.start()
    except (paths.DataDirError, StorageError, PortInUse) as exc:
        print(f"{APP_NAME} could not start: {exc}", file=sys.stderr)
        return EXIT_USAGE

    from otj_desktop.web.security import launch_path

    state = app.extensions["otj"]
    launch_url = base_url + launch_path(state.launch_tokens)
    print(f"{APP_NAME} is running at {launch_url}", flush=True)
    log.info("Started %s %s with data in %s", APP_NAME, __version__, data_dir)

    if not args.headless:
        webbrowser.open(launch_url)
    stop.wait()
    shutdown(server, state)
    return EXIT_OK


def _build_app(data_dir: Path):
    from otj_desktop.web import create_app

    return create_app({"DATA_DIR": data_dir})


def _check_database(data_dir: Path, args: argparse.Namespace, explicit: bool) -> str | None:
    """``quick_check`` the database before anything opens it for writing.

    Returns None when it is fine (or was just restored from a backup), else the sentence to
    show. The damaged file is left exactly as it is unless ``--restore-latest-backup`` asks to
    move it aside.
    """
    from otj_desktop.store import integrity
    from otj_desktop.store.migrate import latest_version
    from otj_desktop.web import DATABASE_NAME
    from otj_desktop.web.backups import BACKUP_FOLDER

    db_path = data_dir / DATABASE_NAME
    report = integrity.check(db_path)
    if report.ok:
        if args.restore_latest_backup:
            print("The database is not damaged, so no backup was restored.", file=sys.stderr)
        return None
    log.error("Database %s failed its integrity check: %s", db_path, report.problem)
    backup = integrity.newest_good_backup(data_dir / BACKUP_FOLDER, max_schema=latest_version())
    if backup is None:
        return (
            f"The database {db_path} is damaged ({report.problem}) and there is no good backup "
            "to restore; the file was left untouched."
        )
    when = backup.taken_at.astimezone().strftime("%d %b %Y %H:%M")
    if not args.restore_latest_backup:
        command = _restore_command(data_dir if explicit else None)
        return (
            f"The database {db_path} is damaged ({report.problem}); it was left untouched. "
            f"To move it aside and restore the newest good backup (from {when}), run: {command}"
        )
    recovery = integrity.recover(db_path, backup)
    print(
        f"Restored the backup from {when}; the damaged database was moved to "
        f"{recovery.damaged_moved_to}.",
        file=sys.stderr,
    )
    log.warning("Restored %s; damaged files moved to %s", backup.name, recovery.damaged_moved_to)
    return None


def _restore_command(data_dir: Path | None) -> str:
    """The command line that restarts this app with ``--restore-latest-backup``."""
    program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    if program in ("__main__.py", "-m", "") or program.endswith(".py"):
        command = [sys.executable, "-m", "otj_desktop"]
    else:
        command = [sys.argv[0]]
    command.append("--restore-latest-backup")
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    return shlex.join(command)


def _first_backup_of_the_day(app) -> None:
    """Back up at start when the newest backup is over a day old. A failure is reported (here
    and on the Backups page) but does not stop the app: the data itself is intact."""
    from otj_desktop.web.backups import service

    backups = service(app)
    result = backups.create_daily_if_due()
    if result is not None:
        log.info("Daily backup %s", result.info.name)
    if backups.last_problem:
        log.warning("%s", backups.last_problem)
        print(f"{APP_NAME}: {backups.last_problem}", file=sys.stderr)


def shutdown(server: AppServer, state) -> None:
    """Stop serving and leave the database tidy."""
    server.stop()
    state.db.checkpoint_and_close()
    log.info("Stopped cleanly")


def _stop_on_signals(stop: threading.Event) -> None:
    def handler(signum: int, _frame) -> None:
        log.info("Received signal %d", signum)
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def setup_logging(folder: Path) -> None:
    """Log to a rotating file (1 MB x 3) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        folder / "otj-desktop.log", maxBytes=1_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    root.addHandler(handler)
