"""Handing files to the operating system: open one with its default program, save one safely.

The desktop shell uses these for pages (``DesktopBridge.open_path`` and ``save_file``): an
attachment opened in the apprentice's PDF viewer or word processor, an evidence pack saved
where the Save dialog said. Opening uses the platform's own opener (``os.startfile`` on
Windows, ``open`` on macOS, ``xdg-open`` elsewhere) with a fixed argument list, never a shell;
the File menu's "Open data folder" uses the same opener for a folder.

The program started gets the user's own umask, not the app's private 0o077
(``paths.keep_files_private``): what the user saves from their PDF viewer or file manager is
theirs and should be as shareable as anything else they make.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

from otj_desktop import paths


def open_with_default_app(path: Path) -> bool:
    """Open ``path`` (a file, or a folder in the file manager) with the program the system
    associates with it; False on failure."""
    try:
        if sys.platform == "win32":
            os.startfile(path)  # type: ignore[attr-defined]  # noqa: S606 - a file, not a command
        elif sys.platform == "darwin":
            subprocess.Popen(["open", "--", str(path)], umask=paths.user_umask())
        else:
            subprocess.Popen(
                ["xdg-open", str(path)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                umask=paths.user_umask(),
            )
    except OSError:
        return False
    return True


def write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a temporary file beside it, so a failure never
    leaves a half-written file under the chosen name."""
    temp = target.with_name(target.name + ".part")
    try:
        with open(temp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
