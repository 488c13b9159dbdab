"""Where OTJ Desktop keeps its files.

Data (the SQLite database, backups, attachments) lives in the platform's user data folder
(``~/.local/share/OTJ Desktop`` on Linux, ``%LOCALAPPDATA%\\OTJ Desktop`` on Windows,
``~/Library/Application Support/OTJ Desktop`` on macOS), unless ``--data-dir`` or the
``OTJ_DESKTOP_DATA_DIR`` environment variable says otherwise. Logs go to the platform's user log
folder, or to ``<data dir>/logs`` when the data folder was chosen explicitly, so a test or a
portable copy keeps everything in one place.

**Only this user can read any of it** (POSIX): the launcher sets the umask to 0o077 before
anything is written, so every folder the app creates is 0700 and every file 0600 (the
database and its ``-wal``/``-shm``, backups, attachments, logs, imports, exports). A data or
log folder left readable by others by an older version is tightened once, at the next start:
its files and folders lose every group and other permission. Only what the app itself puts
there is touched, so a folder the user chose (``--data-dir ~``, say) keeps its other files as
they were. On Windows the per-user folders' access lists do this job.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

import platformdirs

from otj_desktop import APP_NAME

DATA_DIR_ENV = "OTJ_DESKTOP_DATA_DIR"
PRIVATE_UMASK = 0o077
# What the app puts in a data or log folder (names checked against the modules that make them
# by tests/test_private_files.py). Anything else in the folder is the user's.
APP_ENTRIES = frozenset(
    {
        "otj.sqlite3",
        "otj.sqlite3-wal",
        "otj.sqlite3-shm",
        "otj.sqlite3-journal",
        "otj-desktop.lock",
        "instance.json",
        "instance.json.tmp",
        "backups",
        "attachments",
        "cache",
        "imports",
        "damaged",
        "logs",
    }
)
_LOG_PREFIX = "otj-desktop.log"  # the log file and its rotated copies

_user_umask: int | None = None


class DataDirError(Exception):
    """The data folder cannot be used; the message is one sentence for the user."""


def resolve_data_dir(
    cli_value: str | None, environ: Mapping[str, str] = os.environ
) -> tuple[Path, bool]:
    """The data folder to use, and whether it was chosen explicitly (flag or environment)."""
    chosen = cli_value or environ.get(DATA_DIR_ENV)
    if chosen:
        return Path(chosen).expanduser().resolve(), True
    return platformdirs.user_data_path(APP_NAME, appauthor=False, roaming=False), False


def log_dir(data_dir: Path, explicit: bool) -> Path:
    if explicit:
        return data_dir / "logs"
    return platformdirs.user_log_path(APP_NAME, appauthor=False)


def prepare_data_dir(path: Path) -> Path:
    """Create the folder if needed and check the app can write there.

    Raises :class:`DataDirError` with a sentence saying what is wrong.
    """
    if path.exists() and not path.is_dir():
        raise DataDirError(f"The data folder {path} is a file, not a folder.")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except PermissionError:
        raise DataDirError(
            f"OTJ Desktop is not allowed to write to its data folder {path}."
        ) from None
    except OSError as exc:
        raise DataDirError(
            f"The data folder {path} cannot be used: {exc.strerror or exc}."
        ) from None
    return path


def keep_files_private() -> int | None:
    """Make everything the app creates from now on readable by this user only (umask 0o077).

    Returns the umask it replaced (None where there is no umask), for :func:`restore_umask`.
    """
    global _user_umask
    if os.name != "posix":
        return None
    previous = os.umask(PRIVATE_UMASK)
    if _user_umask is None:
        _user_umask = previous
    return previous


def restore_umask(previous: int | None) -> None:
    if previous is not None:
        os.umask(previous)


def user_umask() -> int:
    """The umask the app was started with: for programs it starts (a file manager), whose
    files are the user's, not the app's."""
    if _user_umask is not None:
        return _user_umask
    current = os.umask(0)
    os.umask(current)
    return current


def tighten_permissions(folder: Path) -> int:
    """Take group and other permissions off what the app keeps in ``folder`` (POSIX).

    Does nothing when the folder is not readable by others already (so in practice it runs
    once), or is not this user's. The folder itself becomes 0700 only when everything in it
    is the app's. Returns how many files and folders were changed.
    """
    if os.name != "posix":
        return 0
    try:
        info = folder.stat()
        if not info.st_mode & 0o077 or info.st_uid != os.geteuid():
            return 0  # every start but the first: one stat
        entries = list(folder.iterdir())
    except OSError:
        return 0
    ours = [e for e in entries if e.name in APP_ENTRIES or e.name.startswith(_LOG_PREFIX)]
    changed = sum(_tighten_tree(entry) for entry in ours)
    if len(ours) == len(entries):
        changed += _tighten(folder)
    return changed


def _tighten_tree(top: Path) -> int:
    changed = _tighten(top)
    if top.is_dir() and not top.is_symlink():
        for root, dirs, files in os.walk(top):
            for name in dirs + files:
                changed += _tighten(Path(root) / name)
    return changed


def _tighten(path: Path) -> int:
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode) or info.st_uid != os.geteuid():
            return 0  # a link's own mode means nothing; someone else's file is not ours to change
        if not info.st_mode & 0o077:
            return 0
        path.chmod(stat.S_IMODE(info.st_mode) & ~0o077)
    except OSError:
        return 0
    return 1
