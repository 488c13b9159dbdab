"""Checks at start that keep the data safe: integrity first, then the day's first backup.

``check_database`` runs ``PRAGMA quick_check`` read-only before anything opens the database for
writing. A damaged database stops the start with one sentence and the exact command that moves
it aside and restores the newest good backup (``--restore-latest-backup``), and, for someone who
double-clicked the app, a window with a button that does the same (``startup_problem.py``); the
damaged file is never overwritten or deleted. ``first_backup_of_the_day`` backs up when the
newest backup is over a day old. ``sweep_attachments`` tidies the attachments folder after a
crash.
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sqlite3
import sys
from pathlib import Path

from otj_desktop import APP_NAME
from otj_desktop.startup_problem import Problem, RestoreFailed

EXIT_DAMAGED = 3

log = logging.getLogger("otj_desktop")


def check_database(data_dir: Path, args: argparse.Namespace, explicit: bool) -> Problem | None:
    """``quick_check`` the database before anything opens it for writing.

    Returns None when it is fine (or was just restored from a backup), else the problem to
    report: its sentence names the command that restores the newest good backup, and its
    ``restore`` runs that recovery (the start-up problem window's button). The damaged file is
    left exactly as it is unless ``--restore-latest-backup`` (or the button) moves it aside.
    """
    from otj_desktop.domain.dates import uk_moment
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
        return Problem(
            f"The database {db_path} is damaged ({report.problem}) and there is no good backup "
            "to restore; the file was left untouched.",
            EXIT_DAMAGED,
        )
    when = uk_moment(backup.taken_at)
    if args.restore_latest_backup:
        try:
            restore_backup(db_path, backup, when)
        except RestoreFailed as exc:
            return Problem(str(exc), EXIT_DAMAGED)
        return None
    command = restore_command(data_dir if explicit else None)
    return Problem(
        f"The database {db_path} is damaged ({report.problem}); it was left untouched. "
        f"To move it aside and restore the newest good backup (from {when}), run: {command}",
        EXIT_DAMAGED,
        shown=(
            f"The database {db_path} is damaged ({report.problem}); it was left untouched. "
            f"The newest good backup is from {when}."
        ),
        restore=lambda: restore_backup(db_path, backup, when),
    )


def restore_backup(db_path: Path, backup, when: str) -> str:
    """Move the damaged database aside and put the backup in its place; says what it did (on
    stderr too). Raises :class:`RestoreFailed` with one sentence."""
    from otj_desktop.store import integrity

    try:
        recovery = integrity.recover(db_path, backup)
    except (OSError, sqlite3.Error) as exc:
        log.exception("Restoring %s failed", backup.name)
        raise RestoreFailed(
            f"The backup from {when} could not be restored ({exc}); nothing was deleted."
        ) from None
    said = (
        f"Restored the backup from {when}; the damaged database was moved to "
        f"{recovery.damaged_moved_to}."
    )
    if sys.stderr is not None:
        print(said, file=sys.stderr, flush=True)
    log.warning("Restored %s; damaged files moved to %s", backup.name, recovery.damaged_moved_to)
    return said


def restore_command(data_dir: Path | None) -> str:
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


def first_backup_of_the_day(app) -> None:
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


def sweep_attachments(app) -> None:
    """Remove what a crash may have left in the attachments folder: temporary files of an
    interrupted upload, and files no activity or history version refers to (see
    ``store/attachment_files.py``). Before serving, so no upload is under way."""
    from otj_desktop.web.attachments import files

    with app.extensions["otj"].db.connection() as conn:
        report = files(app).sweep(conn)
    if report.temp_files_removed or report.unreferenced_removed:
        log.info(
            "Attachments tidied: %d temporary and %d unreferenced files removed",
            report.temp_files_removed,
            report.unreferenced_removed,
        )
