"""Backups: consistent copies of the database, kept in ``<data dir>/backups``, and restoring one.

Copies are made with SQLite's online backup API: a plain file copy of a WAL-mode database can
miss commits that are still in the ``-wal`` file, while the backup API copies a consistent
snapshot page by page as the app keeps running. Each copy is written to a temporary name,
fsynced and renamed into place, so a crash mid-backup never leaves a half file that looks like a
backup (the leftover ``.partial`` file is ignored and tidied away later).

A backup's name says what it is and when it was taken (UTC), for example
``daily-20261127T090000Z.sqlite3``; the kinds are ``daily`` (at start when the last backup is
over a day old), ``manual`` ("Back up now"), and the safety copies ``before-restore``,
``before-import`` and ``before-migration-vN-to-vM``. After each new backup the retention rule
(:mod:`otj_desktop.domain.retention`) decides which to keep. Optionally each new backup is also
copied to a folder the apprentice chooses (a USB drive or a synced folder: a backup on the same
disk dies with it); a failed copy is reported, never fatal.

Restoring swaps a backup's contents *into* the live database with the backup API, under the
database's write lock, so every connection the app holds stays valid and simply sees the
restored data. The current state is backed up first, so a restore can itself be undone.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from otj_desktop.domain.retention import Stamped, backups_to_keep
from otj_desktop.store import backup_files, settings
from otj_desktop.store.attachment_files import attachments_folder, fsync_folder
from otj_desktop.store.db import Database, StorageError, Transaction

FOLDER = "backups"  # <data dir>/backups
SUFFIX = ".sqlite3"
DAILY_INTERVAL = timedelta(days=1)
COPY_FOLDER_SETTING = "backup_copy_folder"
# Settings that belong to this computer rather than to the data: a restore keeps them.
LOCAL_SETTINGS = (COPY_FOLDER_SETTING,)

_NAME = re.compile(
    r"^(?P<kind>daily|manual|before-restore|before-import|before-migration(?:-v\d+-to-v\d+)?)"
    r"-(?P<stamp>\d{8}T\d{6}Z)(?:-(?P<n>\d{1,3}))?\.sqlite3$"
)
KIND_LABELS = {
    "daily": "Daily, automatic",
    "manual": "Made by you",
    "before-restore": "Before a restore",
    "before-import": "Before an import",
    "before-migration": "Before an app update",
}
SAFETY_KINDS = frozenset({"before-restore", "before-import", "before-migration"})


class BackupError(StorageError):
    """A backup could not be made or restored; the message is one sentence for the apprentice."""


class BackupNotFound(LookupError):
    """No backup has that name."""


# --- making one copy ---------------------------------------------------------------------------


def backup_database(source: sqlite3.Connection, dest: Path) -> Path:
    """Write a consistent copy of ``source`` to ``dest`` and return ``dest``.

    Raises :class:`BackupError` (leaving no partial file) if the copy cannot be written.
    """
    partial = dest.with_name(dest.name + ".partial")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        target = sqlite3.connect(partial)
        try:
            source.backup(target)
            # A backup is a single self-contained file: no WAL beside it.
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, dest)
        fsync_folder(dest.parent)
    except (OSError, sqlite3.Error) as exc:
        with contextlib.suppress(OSError):
            partial.unlink()
        reason = getattr(exc, "strerror", None) or str(exc)
        raise BackupError(
            f"A backup could not be written to {dest.parent} ({reason}); nothing was changed."
        ) from exc
    return dest


# --- what is in the backups folder -------------------------------------------------------------


@dataclass(frozen=True)
class Inspection:
    """What opening a database file read-only found."""

    ok: bool
    schema_version: int | None = None
    activity_count: int | None = None
    problem: str | None = None


@dataclass(frozen=True)
class BackupInfo:
    name: str
    path: Path
    kind: str
    taken_at: datetime  # UTC
    size_bytes: int
    inspection: Inspection

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind.split("-v")[0], self.kind)

    @property
    def safety(self) -> bool:
        return self.kind.split("-v")[0] in SAFETY_KINDS

    @property
    def taken_at_iso(self) -> str:
        return self.taken_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_name(name: str) -> tuple[str, datetime] | None:
    """(kind, time taken in UTC) from a backup's file name, or None for any other file.

    A second backup within the same second is named ``...Z-2``; it counts as a microsecond
    later, so it sorts as the newer one.
    """
    match = _NAME.match(name)
    if not match:
        return None
    taken = datetime.strptime(match["stamp"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return match["kind"], taken + timedelta(microseconds=int(match["n"] or 1) - 1)


def list_backups(folder: Path) -> list[BackupInfo]:
    """Every backup in ``folder``, newest first (other files there are left out)."""
    found = []
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        for path in folder.iterdir():
            parsed = parse_name(path.name)
            if parsed is None or not path.is_file():
                continue
            stat = path.stat()
            found.append(
                BackupInfo(path.name, path, parsed[0], parsed[1], stat.st_size, inspect(path))
            )
    found.sort(key=lambda b: (b.taken_at, b.name), reverse=True)
    return found


_inspections: dict[tuple[str, int, int], Inspection] = {}


def inspect(path: Path, *, deep: bool = False) -> Inspection:
    """Open a database file read-only: its schema version and live activity count.

    ``deep`` also runs ``PRAGMA quick_check`` (slower: reads every page). Shallow results are
    cached by size and modification time, since a finished backup never changes.
    """
    try:
        stat = path.stat()
    except OSError as exc:
        return Inspection(False, problem=exc.strerror or str(exc))
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if not deep and key in _inspections:
        return _inspections[key]
    result = _open_and_look(path, deep=deep)
    if not deep:
        if len(_inspections) > 500:
            _inspections.clear()
        _inspections[key] = result
    return result


def _open_and_look(path: Path, *, deep: bool) -> Inspection:
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return Inspection(False, problem=str(exc))
    try:
        if deep:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
            if result != "ok":
                return Inspection(False, problem=f"damaged: {result}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        count = conn.execute("SELECT count(*) FROM activity WHERE deleted_at IS NULL").fetchone()[0]
        return Inspection(True, version, count)
    except sqlite3.Error as exc:
        return Inspection(False, problem=str(exc))
    finally:
        conn.close()


def newest_backup_time(folder: Path) -> datetime | None:
    times = [parsed[1] for p in _names(folder) if (parsed := parse_name(p))]
    return max(times, default=None)


def _names(folder: Path) -> list[str]:
    try:
        return [p.name for p in folder.iterdir()]
    except OSError:
        return []


# --- the service the app uses ------------------------------------------------------------------


@dataclass(frozen=True)
class BackupResult:
    info: BackupInfo
    copied_to: Path | None = None
    copy_error: str | None = None


@dataclass(frozen=True)
class RestoreResult:
    restored: BackupInfo
    safety_backup: BackupInfo


class Backups:
    """The backups of one database: make, list, prune, copy elsewhere, restore.

    ``last_problem`` remembers (in memory) the last automatic backup or copy that failed, so
    the Backups page can say so; it clears on the next success.
    """

    def __init__(self, db: Database, folder: Path) -> None:
        self.db = db
        self.folder = folder
        self.last_problem: str | None = None

    # -- making ---------------------------------------------------------------------------------

    def create(self, kind: str, *, now: datetime | None = None) -> BackupResult:
        """Back up now; prune; copy to the chosen folder. Raises :class:`BackupError`."""
        if kind not in KIND_LABELS or kind == "before-migration":
            raise ValueError(f"unknown backup kind {kind!r}")
        now = now or datetime.now(UTC)
        dest = self._free_name(kind, now)
        with self.db.connection() as conn:
            backup_database(conn, dest)
            copy_folder = copy_folder_setting(conn)
        self._keep_files(dest)
        taken_at = parse_name(dest.name)[1]  # type: ignore[index]  # our own name parses
        info = BackupInfo(dest.name, dest, kind, taken_at, dest.stat().st_size, inspect(dest))
        self.prune(self.folder)
        result = BackupResult(info)
        if copy_folder is not None:
            result = self._copy(info, copy_folder)
        self.last_problem = result.copy_error
        return result

    def _keep_files(self, dest: Path) -> None:
        """The attached files the new backup refers to, beside it (backup_files.py)."""
        try:
            missing = backup_files.keep_files_for(dest, self.attachments)
        except OSError as exc:
            with contextlib.suppress(OSError):
                dest.unlink()
            raise BackupError(
                f"The attached files could not be copied into {self.folder} "
                f"({exc.strerror or exc}); no backup was made."
            ) from exc
        if missing:
            self.last_problem = f"{len(missing)} attached file(s) were missing and not backed up."

    @property
    def attachments(self) -> Path:
        return attachments_folder(self.db.path.parent)

    def is_due(self, now: datetime | None = None) -> bool:
        """Whether a daily backup is due: the newest is over a day old (or there is none)."""
        now = now or datetime.now(UTC)
        newest = newest_backup_time(self.folder)
        return newest is None or now - newest >= DAILY_INTERVAL

    def create_daily_if_due(self, now: datetime | None = None) -> BackupResult | None:
        """The start-of-day backup: made when due and there is something worth keeping.

        Never raises: a failure is kept in ``last_problem`` (and returned as None).
        """
        try:
            if not self.is_due(now) or not self._has_data():
                return None
            return self.create("daily", now=now)
        except (StorageError, OSError, sqlite3.Error) as exc:
            self.last_problem = f"The automatic daily backup failed: {exc}"
            return None

    def _has_data(self) -> bool:
        with self.db.connection() as conn:
            row = conn.execute(
                """SELECT (SELECT count(*) FROM activity) + (SELECT count(*) FROM standard)"""
            ).fetchone()
        return row[0] > 0

    def _free_name(self, kind: str, now: datetime) -> Path:
        stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        for n in range(1, 1000):
            suffix = "" if n == 1 else f"-{n}"
            candidate = self.folder / f"{kind}-{stamp}{suffix}{SUFFIX}"
            if not candidate.exists():
                return candidate
        raise BackupError("Too many backups were made in one second; try again.")

    # -- keeping --------------------------------------------------------------------------------

    def list(self) -> list[BackupInfo]:
        return list_backups(self.folder)

    def prune(self, folder: Path) -> list[str]:
        """Delete backups in ``folder`` that the retention rule does not keep; also tidy away
        ``.partial`` leftovers of interrupted backups. Returns the names deleted."""
        stamped = []
        for name in _names(folder):
            parsed = parse_name(name)
            if parsed:
                kind = parsed[0].split("-v")[0]
                stamped.append(Stamped(name, parsed[1].astimezone(), kind in SAFETY_KINDS))
        keep = backups_to_keep(stamped)
        deleted = []
        for item in stamped:
            if item.name not in keep:
                with contextlib.suppress(OSError):
                    (folder / item.name).unlink()
                    deleted.append(item.name)
        backup_files.prune_files(folder, [folder / name for name in keep])
        for name in _names(folder):
            if name.endswith(".partial") and parse_name(name.removesuffix(".partial")):
                with contextlib.suppress(OSError):
                    (folder / name).unlink()
        return deleted

    def find(self, name: str) -> BackupInfo:
        """The backup with this exact name. Raises :class:`BackupNotFound`."""
        if parse_name(name) is None:
            raise BackupNotFound(name)
        for info in self.list():
            if info.name == name:
                return info
        raise BackupNotFound(name)

    # -- copying elsewhere ----------------------------------------------------------------------

    def _copy(self, info: BackupInfo, folder: Path) -> BackupResult:
        dest = folder / info.name
        partial = folder / (info.name + ".partial")
        try:
            backup_files.copy_with_backup(info.path, folder)  # its files first, then itself
            shutil.copyfile(info.path, partial)
            with open(partial, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(partial, dest)
        except OSError as exc:
            with contextlib.suppress(OSError):
                partial.unlink()
            return BackupResult(
                info,
                copy_error=(
                    f"The backup was made, but copying it to {folder} failed "
                    f"({exc.strerror or exc})."
                ),
            )
        self.prune(folder)
        return BackupResult(info, copied_to=dest)

    # -- restoring ------------------------------------------------------------------------------

    def restore(self, name: str, *, now: datetime | None = None) -> RestoreResult:
        """Swap the backup ``name`` into the live database, after backing up the current state.

        Raises :class:`BackupNotFound`, or :class:`BackupError` (nothing changed) when the
        backup is damaged, from a newer release, or the safety backup cannot be made.
        """
        info = self.find(name)
        staged = self._stage(info)
        try:
            with self.db.connection() as conn:
                kept = {key: settings.get(conn, key) for key in LOCAL_SETTINGS}
            # Its attached files first: the safety backup below prunes, and may take the
            # backup being restored (and files only it refers to) with it.
            backup_files.restore_files_of(staged, self.folder, self.attachments)
            safety = self.create("before-restore", now=now)
            self._swap_in(staged)
            with self.db.transaction() as tx:
                for key, value in kept.items():
                    settings.put(tx, key, value)
        finally:
            _remove_database_files(staged)
        return RestoreResult(info, safety.info)

    def _swap_in(self, staged: Path) -> None:
        """Copy ``staged`` over the live database's pages, all or nothing."""
        with self.db.exclusive(), self.db.connection() as dest:
            source = sqlite3.connect(staged)
            try:
                source.backup(dest)
            except sqlite3.Error as exc:
                # The backup API writes the destination in one transaction: it rolled back.
                raise BackupError(
                    f"The backup could not be restored ({exc}); your data was left as it was."
                ) from exc
            finally:
                source.close()

    def _stage(self, info: BackupInfo) -> Path:
        """A checked copy of the backup, brought up to the current schema, beside the database."""
        # Imported here: migrate imports this module (it backs up before migrating).
        from otj_desktop.store.migrate import latest_version, migrate

        check = inspect(info.path, deep=True)
        if not check.ok:
            raise BackupError(
                f"The backup from {info.taken_at_iso} cannot be used ({check.problem}); "
                "nothing was changed."
            )
        if check.schema_version is None or check.schema_version > latest_version():
            raise BackupError(
                "That backup was made by a newer version of OTJ Desktop; "
                "install the newer version to restore it. Nothing was changed."
            )
        staged = self.db.path.with_name(f".restore-{secrets.token_hex(6)}{SUFFIX}")
        try:
            source = sqlite3.connect(f"{info.path.resolve().as_uri()}?mode=ro", uri=True)
            try:
                backup_database(source, staged)
            finally:
                source.close()
            migrate(Database(staged))
        except StorageError as exc:
            _remove_database_files(staged)
            raise BackupError(f"The backup could not be prepared ({exc}).") from exc
        return staged


def restore_file_into_place(backup: Path, db_path: Path) -> None:
    """Make ``db_path`` a copy of ``backup`` (the database must not be open).

    For start-up recovery, after the damaged database has been moved aside.
    """
    partial = db_path.with_name(db_path.name + ".restoring")
    source = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
    try:
        backup_database(source, partial)
    finally:
        source.close()
    os.replace(partial, db_path)
    fsync_folder(db_path.parent)


def _remove_database_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(OSError):
            Path(f"{path}{suffix}").unlink()


# --- the copy-folder setting -------------------------------------------------------------------


def copy_folder_setting(conn: sqlite3.Connection) -> Path | None:
    """The folder each new backup is also copied to, if the apprentice chose one."""
    value = settings.get(conn, COPY_FOLDER_SETTING)
    return Path(value) if isinstance(value, str) and value else None


def set_copy_folder(tx: Transaction, folder: Path | None) -> None:
    """Choose (or, with None, stop using) a folder for copies of each backup."""
    settings.put(tx, COPY_FOLDER_SETTING, str(folder) if folder else None)
    where = f"to {folder}" if folder else "nowhere else"
    tx.announce("backups_changed", summary=f"Backups are now also copied {where}")


def check_copy_folder(raw: str, data_dir: Path) -> Path | None:
    """The folder typed on the Backups page, checked; None for an empty entry (no copies).

    Raises ValueError with a sentence saying what is wrong.
    """
    text = raw.strip()
    if not text:
        return None
    if len(text) > 1000 or any(ord(c) < 32 for c in text):
        raise ValueError("Enter the full path of a folder, for example /media/usb/OTJ backups.")
    try:
        folder = Path(text).expanduser()
    except RuntimeError:  # "~someone" who does not exist (found by the fuzz tests)
        raise ValueError(
            "Enter the full path of the folder, starting from the drive or /."
        ) from None
    if not folder.is_absolute():
        raise ValueError("Enter the full path of the folder, starting from the drive or /.")
    try:
        if not folder.is_dir():
            raise ValueError("There is no folder at that path. Create it first, then enter it.")
        folder = folder.resolve()
        data = data_dir.resolve()
        if folder == data or data in folder.parents:
            raise ValueError(
                "Choose a folder outside the app's data folder: another drive or a synced folder."
            )
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise ValueError(
            f"That folder cannot be written to ({exc.strerror or exc}). Choose another."
        ) from None
    return folder
