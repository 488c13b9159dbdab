"""When the app cannot start: say why where the apprentice will see it, and offer the way out.

Someone who double-clicked the app has no terminal (and the windowed Windows build has no
stderr at all), so a start-up failure (a damaged database, a busy port, an unusable data
folder, a database from a newer release, a running copy that does not answer) is:

1. printed on stderr as before, one sentence (exit codes unchanged: 2, or 3 for a damaged
   database), and with ``--headless`` that is all;
2. otherwise shown in a small window of its own: the one sentence, and "Quit". For a damaged
   database with a good backup, also "Restore the newest good backup", which runs the same
   recovery as ``--restore-latest-backup`` (the damaged files are moved aside, never deleted);
   after it the app carries on starting as usual;
3. in the system browser when no window can open here (through a 0600 redirect page, as
   ever: ``browser_open.py``), and nowhere when there is no display at all.

The page comes from a minimal Flask app on a loopback port with the main app's protections
(``web/security.py``: Host check, one-time launch URL and session cookie, CSRF token on both
buttons, Content-Security-Policy ``'self'``). The window runs in a *child process*
(``problem_window.py``, started with multiprocessing's "spawn", which a frozen build supports
through ``freeze_support``): Qt cannot start a second GUI in one process, and after a restore
this process goes on to open the app's own windows.
"""

from __future__ import annotations

import logging
import multiprocessing
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from otj_desktop import APP_NAME

log = logging.getLogger("otj_desktop")

WINDOW_WAIT_SECONDS = 3600.0  # a choice left open this long: give up (and free the data folder)
BROWSER_READ_SECONDS = 120.0  # nothing to choose: stop once the page was read, or after this
_POLL = 0.1


class RestoreFailed(Exception):
    """The recovery did not work; the message is one sentence for the apprentice."""


@dataclass(frozen=True)
class Problem:
    """Why the start failed: one sentence, the exit status, and maybe a way out."""

    sentence: str  # on stderr, after "OTJ Desktop could not start: "
    exit_code: int
    shown: str | None = None  # the window's wording, when it differs (no command to type)
    # Runs the recovery; returns what it did (one sentence) or raises RestoreFailed.
    restore: Callable[[], str] | None = None


@dataclass
class _Outcome:
    chosen: threading.Event
    restored: bool = False
    page_served: bool = False


def report(problem: Problem, *, headless: bool, stop: threading.Event) -> bool:
    """Tell the apprentice; True when they restored a backup and the start should go on."""
    _say(f"{APP_NAME} could not start: {problem.sentence}")
    _log(logging.ERROR, "Could not start: %s", problem.sentence)
    if headless or stop.is_set():
        return False
    from otj_desktop import gui_probe

    gui_probe.prepare_environment()
    window_problem = gui_probe.gui_problem()
    if window_problem is not None and not gui_probe.can_open_browser():
        return False  # no display at all: stderr is the only place
    try:
        return _show(problem, stop, in_window=window_problem is None)
    except Exception:  # the message is on stderr already; never a traceback on top
        _log(logging.ERROR, "Could not show the start-up problem", exc_info=True)
        return False


def _log(level: int, message: str, *args: object, exc_info: bool = False) -> None:
    """To the log file only: before logging is set up (an unusable data folder), Python would
    print it on stderr, under the sentence already there."""
    if log.hasHandlers():
        log.log(level, message, *args, exc_info=exc_info)


def _say(line: str) -> None:
    if sys.stderr is not None:  # None in the windowed Windows build
        print(line, file=sys.stderr, flush=True)


def _show(problem: Problem, stop: threading.Event, *, in_window: bool) -> bool:
    from otj_desktop import gui_probe
    from otj_desktop.browser_open import BrowserPages
    from otj_desktop.web.security import LaunchTokens, launch_path

    outcome = _Outcome(threading.Event())
    tokens = LaunchTokens()
    app = problem_app(problem, outcome, tokens, in_window=in_window)
    server = _serve(app)
    url = f"http://127.0.0.1:{server.effective_port}"
    # Not in the data folder: that may be the very thing that is broken. mkdtemp is 0700.
    pages_dir = Path(tempfile.mkdtemp(prefix="otj-desktop-"))
    window = None
    offers_restore = problem.restore is not None
    try:
        window = _open_window(url + launch_path(tokens)) if in_window else None
        if window is not None:
            _wait(outcome, stop, window, offers_restore=offers_restore)
            if _window_failed(outcome, stop) and gui_probe.can_open_browser():
                _log(logging.WARNING, "The start-up problem window did not open; using the browser")
                window = None
        if window is None and not (outcome.chosen.is_set() or stop.is_set()):
            app.config["IN_WINDOW"] = False
            BrowserPages(pages_dir, tokens).open(url + launch_path(tokens))
            _wait(outcome, stop, None, offers_restore=offers_restore)
    finally:
        if window is not None and window.is_alive():
            window.terminate()
            window.join(5)
        _stop_serving(server)
        shutil.rmtree(pages_dir, ignore_errors=True)
    return outcome.restored


def _window_failed(outcome: _Outcome, stop: threading.Event) -> bool:
    """The window process ended before its page was ever shown (Qt gave up)."""
    return not (outcome.page_served or outcome.chosen.is_set() or stop.is_set())


def _open_window(url: str) -> multiprocessing.Process | None:
    from otj_desktop import problem_window

    process = multiprocessing.get_context("spawn").Process(
        target=problem_window.run, args=(url,), name="otj-problem-window", daemon=True
    )
    try:
        process.start()
    except OSError:
        _log(logging.WARNING, "Could not open the start-up problem window", exc_info=True)
        return None
    return process


def _wait(
    outcome: _Outcome,
    stop: threading.Event,
    window: multiprocessing.Process | None,
    *,
    offers_restore: bool,
) -> None:
    """Until a button is pressed, the window is closed, a signal comes, or time runs out."""
    started = time.monotonic()
    served_at: float | None = None
    while not (outcome.chosen.is_set() or stop.is_set()):
        now = time.monotonic()
        if window is not None:
            if not window.is_alive() or now - started > WINDOW_WAIT_SECONDS:
                return
        else:
            # In a browser nobody may ever press a button (the tab just gets closed), so
            # with nothing to choose, stop once the page (and its stylesheet) was read.
            if outcome.page_served and served_at is None:
                served_at = now
            done_reading = served_at is not None and now - served_at > 3.0 and not offers_restore
            if done_reading or now - started > (
                WINDOW_WAIT_SECONDS if offers_restore else BROWSER_READ_SECONDS
            ):
                return
        outcome.chosen.wait(_POLL)
    if window is not None and outcome.chosen.is_set():
        time.sleep(0.3)  # let the window show the answer to the button before it closes


def _serve(app):
    import waitress

    server = waitress.create_server(
        app, host="127.0.0.1", port=0, threads=2, ident=APP_NAME, clear_untrusted_proxy_headers=True
    )
    port = server.effective_port
    app.config["ALLOWED_HOSTS"] = (f"127.0.0.1:{port}", f"localhost:{port}")
    server.thread = threading.Thread(target=server.run, name="problem-server", daemon=True)
    server.thread.start()
    return server


def _stop_serving(server) -> None:
    """As ``server.AppServer.stop`` (no event streams here): workers, then the loop's sockets
    from inside the loop, which then ends; a restored start goes on without this server."""
    from waitress import wasyncore

    server.task_dispatcher.shutdown(timeout=1.0)
    try:
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
    except OSError:
        wasyncore.close_all(server._map)
    server.thread.join(2.0)


def problem_app(problem: Problem, outcome: _Outcome, tokens, *, in_window: bool):
    """The minimal Flask app behind the window: the sentence, Restore, Quit."""
    import secrets

    from flask import Flask, render_template
    from flask_wtf.csrf import CSRFError

    from otj_desktop.web import security

    app = Flask("otj_desktop.web")  # the main app's templates and static files
    app.config.update(SECRET_KEY=secrets.token_hex(32), ALLOWED_HOSTS=(), IN_WINDOW=in_window)
    app.extensions["otj"] = SimpleNamespace(launch_tokens=tokens)
    security.init_app(app)
    lock = threading.Lock()

    def page(**extra):
        outcome.page_served = True
        return render_template(
            "startup/problem.html",
            sentence=problem.shown or problem.sentence,
            can_restore=problem.restore is not None,
            in_window=app.config["IN_WINDOW"],
            **extra,
        )

    @app.get("/")
    def show():
        return page()

    @app.post("/restore")
    def restore():
        if problem.restore is None:
            return page(), 404
        with lock:  # one recovery, however many times the button is pressed
            if outcome.chosen.is_set():
                return page(done="restored" if outcome.restored else "quit")
            try:
                said = problem.restore()
            except RestoreFailed as exc:
                return page(failure=str(exc)), 500
            outcome.restored = True
            outcome.chosen.set()
        return page(done="restored", restored=said)

    @app.post("/quit")
    def quit_app():
        outcome.chosen.set()
        return page(done="quit")

    @app.errorhandler(CSRFError)
    def csrf_failed(_error):
        return page(failure="That request did not come from this page; nothing was done."), 400

    return app
