"""The attached files themselves: ``<data dir>/attachments/<sha256>``, written so a crash leaves
nothing half-done.

**Names.** A stored file is named by the SHA-256 of its contents, so no uploaded name ever
reaches a path, and the same file attached twice (to one activity or several) is stored once.

**Writing** (:meth:`AttachmentFiles.stage` then :meth:`AttachmentFiles.keep`): the upload is
streamed into ``.tmp-<random>`` in the same folder while it is hashed and counted (a file over
the limit is never kept whole), fsynced, then renamed to its hash and the folder fsynced. Only
then does the caller insert the row, in a transaction, while holding :attr:`lock`. So a crash
leaves at worst a ``.tmp-`` file or a file no row refers to; never a row without its file.

**Removing.** A file is kept while anything can still bring it back: an ``attachment`` row, or
any version in the edit history that lists it (restoring that version brings the attachment
back). Soft-deleting an activity keeps its rows and history, so its files stay. A file goes
only when nothing refers to it any more, which happens when an activity is deleted for good
(Recently deleted → "Delete permanently" or "Empty", which also removes its history):
:meth:`AttachmentFiles.remove_unreferenced` runs after that transaction commits, and
:meth:`AttachmentFiles.sweep` at every start removes leftover temporary files and files nothing
refers to (left by a crash between the rename and the commit). :attr:`lock` keeps both from
racing an upload of the same content.

Thumbnails (``<data dir>/cache/thumbnails``) and the copies handed to other programs by "Open"
(``<data dir>/cache/open``) can always be made again, so they are never backed up or exported.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from otj_desktop.domain.attachment_types import LIMITS_SENTENCE, MAX_BYTES

TMP_PREFIX = ".tmp-"
CHUNK = 256 * 1024
OPEN_COPIES_KEPT_SECONDS = 24 * 3600
_SHA256 = re.compile(r"[0-9a-f]{64}")


class FileTooLarge(ValueError):
    """The file is over the limit; nothing of it was kept."""


class EmptyFile(ValueError):
    """The file has no contents."""


@dataclass
class Staged:
    """An uploaded file written to a temporary name, hashed; not yet kept."""

    temp: Path
    sha256: str
    size: int


@dataclass(frozen=True)
class SweepReport:
    temp_files_removed: int
    unreferenced_removed: int


def attachments_folder(data_dir: Path) -> Path:
    return data_dir / "attachments"


_locks: dict[str, threading.RLock] = {}
_locks_guard = threading.Lock()


def lock_for(folder: Path) -> threading.RLock:
    """The one lock of an attachments folder, shared by everything in this process that
    writes or removes its files (uploads, purges, the sweep, backups)."""
    key = os.path.normcase(os.path.abspath(folder))
    with _locks_guard:
        return _locks.setdefault(key, threading.RLock())


def folder_of(conn: sqlite3.Connection) -> Path:
    """The attachments folder beside the database ``conn`` is open on (it always sits there)."""
    row = conn.execute("PRAGMA database_list").fetchone()
    return attachments_folder(Path(row[2]).parent)


def file_exists_for(conn: sqlite3.Connection) -> Callable[[str], bool]:
    """Whether a file with a given hash is stored beside the database ``conn`` is open on."""
    folder = folder_of(conn)
    return lambda sha256: is_sha256(sha256) and (folder / sha256).is_file()


def is_sha256(value: object) -> bool:
    return isinstance(value, str) and bool(_SHA256.fullmatch(value))


class AttachmentFiles:
    """The attachment files of one data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.folder = attachments_folder(data_dir)
        self.thumbnails = data_dir / "cache" / "thumbnails"
        self.open_copies = data_dir / "cache" / "open"
        # Held from a file's rename until its row commits, and while removing unreferenced
        # files, so a file being attached is never taken for an orphan.
        self.lock = lock_for(self.folder)

    # -- reading --------------------------------------------------------------------------------

    def path(self, sha256: str) -> Path:
        """Where the file with this hash lives (raises ValueError for anything but a hash)."""
        if not is_sha256(sha256):
            raise ValueError("not a SHA-256")
        return self.folder / sha256

    def exists(self, sha256: str) -> bool:
        return is_sha256(sha256) and self.path(sha256).is_file()

    def stored(self) -> set[str]:
        """The hashes of every file in the folder."""
        try:
            return {p.name for p in self.folder.iterdir() if is_sha256(p.name)}
        except FileNotFoundError:
            return set()

    # -- writing --------------------------------------------------------------------------------

    def stage(self, stream: BinaryIO, *, limit: int = MAX_BYTES) -> Staged:
        """Copy ``stream`` to a temporary file, hashing it; at most ``limit`` bytes.

        Raises :class:`FileTooLarge` or :class:`EmptyFile` (the temporary file removed).
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        temp = self.folder / f"{TMP_PREFIX}{secrets.token_hex(8)}"
        digest = hashlib.sha256()
        size = 0
        try:
            with open(temp, "xb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise FileTooLarge(LIMITS_SENTENCE)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise
        if size == 0:
            temp.unlink()
            raise EmptyFile("That file is empty.")
        return Staged(temp, digest.hexdigest(), size)

    def keep(self, staged: Staged) -> None:
        """Rename a staged file to its hash (or drop it: the same contents are stored already).

        Call while holding :attr:`lock`, and insert the row before releasing it.
        """
        target = self.path(staged.sha256)
        if target.is_file() and target.stat().st_size == staged.size:
            self.discard(staged)
            return
        os.replace(staged.temp, target)
        fsync_folder(self.folder)

    def discard(self, staged: Staged) -> None:
        with contextlib.suppress(OSError):
            staged.temp.unlink()

    def put(self, stream: BinaryIO, sha256: str, *, limit: int = MAX_BYTES) -> None:
        """Store a file whose hash is known (import, restore): checked, written safely.

        Raises ValueError when the contents do not match ``sha256``.
        """
        if self.exists(sha256):
            return
        staged = self.stage(stream, limit=limit)
        if staged.sha256 != sha256:
            self.discard(staged)
            raise ValueError("the file does not match its checksum")
        with self.lock:
            self.keep(staged)

    # -- removing -------------------------------------------------------------------------------

    def remove_unreferenced(
        self, conn: sqlite3.Connection, candidates: Iterable[str] | None = None
    ) -> list[str]:
        """Delete the files (of ``candidates``, or all) that nothing refers to any more."""
        with self.lock:
            stored = self.stored()
            wanted = stored if candidates is None else stored & set(candidates)
            unused = wanted - referenced_hashes(conn)
            for sha256 in sorted(unused):
                with contextlib.suppress(OSError):
                    (self.folder / sha256).unlink()
                self.forget_thumbnail(sha256)
            return sorted(unused)

    def sweep(self, conn: sqlite3.Connection) -> SweepReport:
        """At start: remove temporary files left by a crash, and files nothing refers to."""
        temps = 0
        with self.lock:
            with contextlib.suppress(FileNotFoundError):
                for path in self.folder.iterdir():
                    if path.name.startswith(TMP_PREFIX):
                        with contextlib.suppress(OSError):
                            path.unlink()
                            temps += 1
            removed = self.remove_unreferenced(conn)
        self._tidy_open_copies()
        return SweepReport(temps, len(removed))

    # -- thumbnails and copies for other programs -----------------------------------------------

    def thumbnail_path(self, sha256: str) -> Path:
        return self.thumbnails / f"{self.path(sha256).name}.webp"

    def forget_thumbnail(self, sha256: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.thumbnail_path(sha256).unlink()

    def copy_to_open(self, sha256: str, name: str) -> Path:
        """A copy under its real name, for the system's default program (which needs the
        extension): ``cache/open/<random>/<name>``. Copies are tidied a day later."""
        folder = self.open_copies / secrets.token_hex(8)
        folder.mkdir(parents=True)
        target = folder / name
        shutil.copyfile(self.path(sha256), target)
        return target

    def _tidy_open_copies(self) -> None:
        cutoff = time.time() - OPEN_COPIES_KEPT_SECONDS
        with contextlib.suppress(FileNotFoundError):
            for folder in self.open_copies.iterdir():
                with contextlib.suppress(OSError):
                    if folder.stat().st_mtime < cutoff:
                        shutil.rmtree(folder)


def referenced_hashes(conn: sqlite3.Connection) -> set[str]:
    """Every file hash an attachment row or any history version refers to.

    Works on a database of any schema version (an old backup has no attachment table).
    """
    found: set[str] = set()
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "attachment" in tables:
        found.update(r[0] for r in conn.execute("SELECT DISTINCT sha256 FROM attachment"))
    if "activity_history" in tables:
        found.update(
            r[0]
            for r in conn.execute(
                """SELECT DISTINCT json_extract(j.value, '$.sha256')
                   FROM activity_history h, json_each(h.snapshot, '$.attachments') j
                   WHERE json_valid(h.snapshot)"""
            )
            if is_sha256(r[0])
        )
    return found


def fsync_folder(folder: Path) -> None:
    """Make a rename durable (POSIX); Windows cannot open folders and does not need it."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
