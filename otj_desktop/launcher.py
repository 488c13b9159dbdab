"""Start-up and shut-down, in order.

Start: check the data folder -> log to a file -> open and migrate the database -> build the app
-> start the server on a free loopback port -> print the launch URL -> (windows, or wait).
Stop (Ctrl+C, SIGTERM, or the last window closing): end the event streams -> stop the server ->
checkpoint the database -> exit 0.

Anything the user can get wrong (a busy port, an unusable data folder, a database from a newer
release) is reported as one sentence on stderr with exit status 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import multiprocessing
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
        app = _build_app(data_dir)
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
