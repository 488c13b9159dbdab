"""Where OTJ Desktop keeps its files.

Data (the SQLite database, backups, attachments) lives in the platform's user data folder
(``~/.local/share/OTJ Desktop`` on Linux, ``%LOCALAPPDATA%\\OTJ Desktop`` on Windows,
``~/Library/Application Support/OTJ Desktop`` on macOS), unless ``--data-dir`` or the
``OTJ_DESKTOP_DATA_DIR`` environment variable says otherwise. Logs go to the platform's user log
folder, or to ``<data dir>/logs`` when the data folder was chosen explicitly, so a test or a
portable copy keeps everything in one place.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import platformdirs

from otj_desktop import APP_NAME

DATA_DIR_ENV = "OTJ_DESKTOP_DATA_DIR"


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
