"""Opening the app in the system browser without putting its launch URL on a command line.

``webbrowser.open(url)`` starts the browser with the URL as an argument, and any user of the
computer can read another process's arguments (``/proc/<pid>/cmdline``, ``ps``). A launch URL
carries a one-time token that signs a browser in, so it must not go there. Instead, as Jupyter
does, the app writes a small HTML page that only this user can read (0600, in the data folder,
which is 0700 itself) and that sends the browser on to the launch URL, and opens *that* file.
The page adds ``hop=1`` to the URL (see ``web/security.py``: a navigation that starts from a
file is cross-site, so the session cookie only reaches the app after one more step).

A page is deleted as soon as its token has been used or has expired (a background thread
asks the launch tokens twice a second), and every page left is deleted when the app stops and
again at the next start (after a crash).
"""

from __future__ import annotations

import contextlib
import html
import logging
import os
import secrets
import threading
import webbrowser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from otj_desktop.web.security import HOP_PARAM, LaunchTokens

PAGE_GLOB = "open-otj-desktop-*.html"
POLL_SECONDS = 0.5

log = logging.getLogger(__name__)


class BrowserPages:
    """The redirect pages of one run, in ``folder``, for launch URLs minted by ``tokens``."""

    def __init__(self, folder: Path, tokens: LaunchTokens) -> None:
        self.folder = folder
        self.tokens = tokens
        self._pending: dict[Path, str] = {}  # page -> its token
        self._lock = threading.Lock()
        self._watcher: threading.Thread | None = None

    def open(self, launch_url: str) -> bool:
        """Write a page for ``launch_url`` and open it in the system browser."""
        page = self.write(launch_url)
        try:
            return webbrowser.open(page.as_uri())
        except Exception:  # a broken browser setting must not stop the app
            log.warning("Could not start the web browser", exc_info=True)
            return False

    def write(self, launch_url: str) -> Path:
        """The 0600 page that sends a browser on to ``launch_url``; deleted once used."""
        url = launch_url + ("&" if "?" in launch_url else "?") + f"{HOP_PARAM}=1"
        page = self.folder / PAGE_GLOB.replace("*", secrets.token_hex(8))
        fd = os.open(page, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(redirect_page(url))
        with self._lock:
            self._pending[page] = _token_of(launch_url)
            if self._watcher is None or not self._watcher.is_alive():
                self._watcher = threading.Thread(
                    target=self._delete_when_used, name="browser-pages", daemon=True
                )
                self._watcher.start()
        return page

    def remove_all(self) -> None:
        """Delete every page (the app is stopping)."""
        with self._lock:
            self._pending.clear()
        remove_pages(self.folder)

    def _delete_when_used(self) -> None:
        while True:
            with self._lock:
                used = [p for p, token in self._pending.items() if not self.tokens.pending(token)]
                for page in used:
                    del self._pending[page]
                left = bool(self._pending)
            for page in used:
                with contextlib.suppress(OSError):
                    page.unlink()
            if not left:
                return
            threading.Event().wait(POLL_SECONDS)


def redirect_page(url: str) -> str:
    """An HTML page that goes straight on to ``url`` (no script: it is opened as a file)."""
    href = html.escape(url, quote=True)
    return (
        "<!doctype html>\n"
        '<html lang="en-GB"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0;url={href}">'
        "<title>Opening OTJ Desktop</title></head>\n"
        f'<body><p>Opening OTJ Desktop… <a href="{href}">Continue</a></p></body></html>\n'
    )


def remove_pages(folder: Path) -> None:
    """Delete the redirect pages in ``folder`` (at stop, and those a crashed run left)."""
    with contextlib.suppress(OSError):
        for page in folder.glob(PAGE_GLOB):
            with contextlib.suppress(OSError):
                page.unlink()


def _token_of(launch_url: str) -> str:
    return parse_qs(urlsplit(launch_url).query).get("token", [""])[0]


def pages_for(app) -> BrowserPages:
    """The Flask app's pages: one set per app, in its data folder, for its launch tokens."""
    pages = app.extensions.get("otj_browser_pages")
    if pages is None:
        state = app.extensions["otj"]
        pages = BrowserPages(Path(state.data_dir), state.launch_tokens)
        pages = app.extensions.setdefault("otj_browser_pages", pages)
    return pages
