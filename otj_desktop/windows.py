"""The app's native windows (pywebview): opening, titles, remembering where they were, closing.

Facts this is built on (measured with pywebview 6.2.1 on Qt; see docs/architecture.md):

* **One launch URL per window.** pywebview's default private mode gives every window its own
  cookie jar (Qt's shared, non-private profile left second windows blank), so each window is
  opened at its own freshly minted one-time ``/launch`` URL and signs itself in. Everything the
  windows share lives on the server.
* **Titles follow the page.** pywebview never copies ``document.title`` to the native title.
  After every page load the shell reads the title (and the path, for restoring the window
  later) and sets it. ``run_js`` is used rather than ``evaluate_js``: the latter wraps the
  script in ``eval``, which the app's Content-Security-Policy refuses. On Qt the native title
  also follows later ``document.title`` changes (:mod:`otj_desktop.windows_qt`).
* **Event handlers run on new threads**, one per event, except ``closing`` and ``before_show``,
  which run on the GUI thread and must not block. A window's final geometry is read in
  ``closing`` where the backend allows it (Qt), otherwise taken from ``moved``/``resized``.
* **Window state is written once**, at quit: the windows open at that moment (or the last one
  the user closed), each with its page, position and size, in the ``setting`` table. The next
  start reopens them, moved back onto a screen if a monitor has gone.
* **Quitting** (the last window closed, File → Quit, SIGTERM, SIGINT) ends with
  ``webview.start`` returning on the main thread; the launcher then saves the window state and
  stops the server in its clean order (which ends any stream still open). Closing a window ends
  its event stream: Qt closes the page's connections when the window goes (measured: the
  stream ends ~0.1 s later). GTK does not (measured), which is one more reason the shell asks
  for Qt on Linux rather than pywebview's GTK-first default; were GTK ever used, each window
  would have to load ``about:blank`` before being destroyed.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from otj_desktop import APP_NAME
from otj_desktop.os_open import open_with_default_app, write_atomically
from otj_desktop.store import settings as settings_store
from otj_desktop.store.db import Database
from otj_desktop.web.context import DesktopBridge
from otj_desktop.web.security import safe_next

log = logging.getLogger(__name__)

WINDOW_STATE_KEY = "desktop.windows"
DEFAULT_SIZE = (1100, 760)
MIN_SIZE = (420, 360)
ABOUT_SIZE = (620, 460)
CASCADE_STEP = 32
MAX_RESTORED_WINDOWS = 8
VISIBLE_MARGIN = (120, 40)  # this much of a restored window's top-left must be on a screen
ICON = Path(__file__).parent / "web" / "static" / "img" / "icon-32.png"


@dataclass(frozen=True)
class Geometry:
    """Where a window is: ``x``/``y`` None means "let the system place it" (centred)."""

    width: int = DEFAULT_SIZE[0]
    height: int = DEFAULT_SIZE[1]
    x: int | None = None
    y: int | None = None
    maximized: bool = False


@dataclass(frozen=True)
class SavedWindow:
    """A window as remembered between runs."""

    path: str
    geometry: Geometry


Screen = tuple[int, int, int, int]  # x, y, width, height


def gui_backend() -> str | None:
    """The pywebview backend to ask for: Qt on Linux (installed via the ``qt`` extra; without
    it pywebview tries GTK first and logs an error), the platform's own elsewhere."""
    return "qt" if sys.platform.startswith("linux") else None


# -- remembering windows (pure helpers, then the two database calls) ---------------------------


def saved_windows_value(windows: Sequence[SavedWindow]) -> dict[str, Any]:
    """The JSON stored under :data:`WINDOW_STATE_KEY`."""
    return {"version": 1, "windows": [_window_dict(w) for w in windows]}


def _window_dict(window: SavedWindow) -> dict[str, Any]:
    g = window.geometry
    return {
        "path": window.path,
        "x": g.x,
        "y": g.y,
        "width": g.width,
        "height": g.height,
        "maximized": g.maximized,
    }


def parse_saved_windows(value: Any) -> list[SavedWindow]:
    """Read what :func:`saved_windows_value` stored; anything odd is skipped, never fatal."""
    items = value.get("windows") if isinstance(value, dict) else None
    if not isinstance(items, list):
        return []
    windows = []
    for item in items[:MAX_RESTORED_WINDOWS]:
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            continue
        width, height = _int_or(item.get("width"), None), _int_or(item.get("height"), None)
        geometry = Geometry(
            width=width if width and width > 0 else DEFAULT_SIZE[0],
            height=height if height and height > 0 else DEFAULT_SIZE[1],
            x=_int_or(item.get("x"), None),
            y=_int_or(item.get("y"), None),
            maximized=item.get("maximized") is True,
        )
        windows.append(SavedWindow(safe_next(item["path"]), geometry))
    return windows


def _int_or(value: Any, default: int | None) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


def fit_to_screens(geometry: Geometry, screens: Sequence[Screen]) -> Geometry:
    """Shrink a window to fit the largest screen, and let the system place it when its saved
    position is no longer on any screen (a monitor was unplugged)."""
    if not screens:
        return geometry
    widest = max(s[2] for s in screens)
    tallest = max(s[3] for s in screens)
    width = max(MIN_SIZE[0], min(geometry.width, widest))
    height = max(MIN_SIZE[1], min(geometry.height, tallest))
    x, y = geometry.x, geometry.y
    if x is not None and y is not None and not any(_shows_corner(x, y, s) for s in screens):
        x = y = None
    if x is None or y is None:
        x = y = None
    return replace(geometry, width=width, height=height, x=x, y=y)


def _shows_corner(x: int, y: int, screen: Screen) -> bool:
    sx, sy, sw, sh = screen
    return sx <= x <= sx + sw - VISIBLE_MARGIN[0] and sy <= y <= sy + sh - VISIBLE_MARGIN[1]


def cascade(geometry: Geometry) -> Geometry:
    """A new window's place: just below and right of the window it was opened from."""
    if geometry.x is None or geometry.y is None:
        return replace(geometry, maximized=False)
    return replace(
        geometry, x=geometry.x + CASCADE_STEP, y=geometry.y + CASCADE_STEP, maximized=False
    )


def load_window_state(db: Database) -> list[SavedWindow]:
    with db.connection() as conn:
        return parse_saved_windows(settings_store.get(conn, WINDOW_STATE_KEY))


def save_window_state(db: Database, windows: Sequence[SavedWindow]) -> None:
    if not windows:
        return  # nothing was open (the GUI never started): keep what the last run left
    with db.transaction() as tx:
        settings_store.put(tx, WINDOW_STATE_KEY, saved_windows_value(windows))


# -- the windows of one run --------------------------------------------------------------------


@dataclass
class _Record:
    """What the shell knows about one open window."""

    window: Any  # webview.Window
    path: str
    geometry: Geometry
    opened_at: float
    loaded_at: float | None = None
    active_at: float = 0.0

    def saved(self) -> SavedWindow:
        return SavedWindow(self.path, self.geometry)


class DesktopShell:
    """Opens and tracks the app's windows for one run. Thread-safe unless a method says not."""

    def __init__(self, *, base_url: str, launch_path: Callable[[str], str]) -> None:
        self.base_url = base_url
        self.launch_path = launch_path
        self._origin = _origin(base_url)
        self._lock = threading.RLock()
        self._records: dict[str, _Record] = {}
        self._quitting = False
        self._at_quit: list[_Record] | None = None
        self._screens: list[Screen] = []
        self._primary: Screen = (0, 0, 0, 0)
        self.backend: str | None = None
        self._qt: Any = None  # otj_desktop.windows_qt when the backend is Qt
        self._sigint_handler: Any = None
        self.started = threading.Event()

    # -- what pages and menus use --------------------------------------------------------------

    def bridge(self) -> DesktopBridge:
        return DesktopBridge(
            open_window=self.open_window,
            has_windows=True,
            open_path=open_with_default_app,
            save_file=self.save_file,
        )

    def save_file(self, suggested_name: str, data: bytes) -> str | None:
        """Ask (native Save dialog of the active window) where to save ``data``; write it there.

        Returns the path written, or None when there is no window or the dialog was cancelled.
        Raises OSError when the file cannot be written.
        """
        window = self.active_window()
        if window is None:
            return None
        import webview

        chosen = window.create_file_dialog(
            webview.FileDialog.SAVE, directory=str(Path.home()), save_filename=suggested_name
        )
        if not chosen:
            return None
        target = Path(chosen[0] if isinstance(chosen, list | tuple) else chosen)
        write_atomically(target, data)
        return str(target)

    def open_window(self, path: str = "/", geometry: Geometry | None = None) -> bool:
        """Open ``path`` in a new window (signed in through its own launch URL)."""
        import webview

        with self._lock:
            if self._quitting:
                return False
            if geometry is None:
                geometry = self._geometry_for_new_window(path)
            geometry = fit_to_screens(geometry, self._screens)
        path = safe_next(path)
        x, y = geometry.x, geometry.y
        if x is not None and y is not None:  # pywebview positions relative to the primary screen
            x, y = x - self._primary[0], y - self._primary[1]
        window = webview.create_window(
            APP_NAME,
            self.base_url + self.launch_path(path),
            width=geometry.width,
            height=geometry.height,
            x=x,
            y=y,
            min_size=MIN_SIZE,
            maximized=geometry.maximized,
        )
        record = _Record(window, path, geometry, opened_at=time.monotonic())
        with self._lock:
            self._records[window.uid] = record
            quit_meanwhile = self._quitting  # quit() did not see this window: close it here
        self._watch(window)
        if quit_meanwhile:
            threading.Thread(target=self._close, args=(record,), daemon=True).start()
            return False
        if window.events.loaded.is_set():  # it loaded before the handlers were attached
            threading.Thread(target=self._on_loaded, args=(window,), daemon=True).start()
        log.info("Opened a window at %s", path)
        return True

    def active_window(self) -> Any | None:
        """The focused window, or else the one most recently used."""
        import webview

        try:
            window = webview.active_window()
        except Exception:  # not every backend can tell
            window = None
        if window is not None and window.uid in self._records:
            return window
        with self._lock:
            records = sorted(self._records.values(), key=lambda r: r.active_at)
        return records[-1].window if records else None

    def show(self, path: str) -> None:
        """Show ``path`` in the active window (the View menu)."""
        window = self.active_window()
        if window is None:
            self.open_window(path)
        else:
            window.load_url(self.base_url + safe_next(path))

    def quit(self) -> None:
        """Close every window; ``run`` then returns. Safe from any thread, and to call twice."""
        with self._lock:
            if self._at_quit is None:
                self._at_quit = self._in_order()
            self._quitting = True
            records = self._in_order()
        for record in reversed(records):  # the main window last
            self._close(record)

    def windows(self) -> list[dict[str, Any]]:
        """What is open, for the test control channel and the log."""
        with self._lock:
            return [
                {
                    "id": r.window.uid,
                    "title": r.window.title,
                    "path": r.path,
                    "loaded_at": r.loaded_at,
                    "opened_at": r.opened_at,
                    **_window_dict(r.saved()),
                }
                for r in self._in_order()
            ]

    def window(self, uid: str) -> Any:
        with self._lock:
            return self._records[uid].window

    def on_gui_thread(self, fn: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Run ``fn`` on the GUI thread and return its result (Qt only)."""
        if self._qt is None or self._qt.invoker is None:
            raise RuntimeError("running on the GUI thread needs the Qt backend")
        return self._qt.invoker.call(fn, timeout)

    # -- running -------------------------------------------------------------------------------

    def run(self, restore: Sequence[SavedWindow], menu: list[Any]) -> list[SavedWindow]:
        """Open the first windows and run the GUI until the app quits (main thread only).

        Returns the windows that were open at quit, to be remembered for the next start.
        Raises ``webview.errors.WebViewException`` when no GUI backend can start.
        """
        import webview

        self.backend = gui_backend()
        if self.backend:
            # Also for webview.screens, asked before start (which would otherwise try GTK).
            os.environ["PYWEBVIEW_GUI"] = self.backend
        if self.backend == "qt":
            from otj_desktop import windows_qt

            windows_qt.install(self._origin)
            self._qt = windows_qt
        # Downloads (a CSV export link, say) get a save dialog instead of silently nothing.
        webview.settings["ALLOW_DOWNLOADS"] = True
        self._learn_screens(webview)
        first = list(restore)[:MAX_RESTORED_WINDOWS] or [SavedWindow("/", Geometry())]
        opened = [self.open_window(saved.path, saved.geometry) for saved in first]
        if not any(opened):
            return []  # asked to quit before the GUI started
        self._sigint_handler = signal.getsignal(signal.SIGINT)
        webview.start(
            self.started.set,
            gui=self.backend,
            menu=menu,
            private_mode=True,
            icon=str(ICON),
        )
        with self._lock:
            self._quitting = True
            at_quit = self._at_quit if self._at_quit is not None else self._in_order()
        return [record.saved() for record in at_quit]

    def _learn_screens(self, webview: Any) -> None:
        try:
            screens = [(s.x, s.y, s.width, s.height) for s in webview.screens]
        except Exception:  # an odd screen setup must not stop the app
            log.warning("Could not read the screen layout", exc_info=True)
            screens = []
        with self._lock:
            self._screens = screens
            self._primary = screens[0] if screens else (0, 0, 0, 0)

    # -- per-window events ---------------------------------------------------------------------

    def _watch(self, window: Any) -> None:
        window.events.before_show += self._on_before_show
        window.events.loaded += self._on_loaded
        window.events.moved += self._on_moved
        window.events.resized += self._on_resized
        window.events.maximized += self._on_maximized
        window.events.restored += self._on_restored
        window.events.closing += self._on_closing
        window.events.closed += self._on_closed

    def _on_before_show(self, window: Any) -> None:
        """GUI thread, before the window appears: backend hooks that must run there."""
        # The Qt backend installs its own SIGINT handler (it just stops the event loop); put
        # ours back (only possible on the main thread) so Ctrl+C quits like File → Quit.
        handler = self._sigint_handler
        on_main = threading.current_thread() is threading.main_thread()
        if on_main and handler and signal.getsignal(signal.SIGINT) is not handler:
            signal.signal(signal.SIGINT, handler)
        if self._qt is not None:
            self._qt.before_show(window)

    def _on_loaded(self, window: Any) -> None:
        """After every page load: follow the page's title and remember where the window is."""
        now = time.monotonic()
        try:
            self._follow_page(window, now)
        except Exception:  # the window (or the whole GUI) may be closing meanwhile
            log.debug("Could not follow a page load", exc_info=True)

    def _follow_page(self, window: Any, loaded_at: float) -> None:
        title, path, origin = _page_facts(window)
        with self._lock:
            record = self._records.get(window.uid)
            if record is None:
                return
            record.loaded_at = record.loaded_at or loaded_at
            record.active_at = loaded_at
            if origin == self._origin:
                record.path = safe_next(path)
        if title.strip():
            window.set_title(title.strip())
        if self._qt is not None:
            self._qt.after_load(window)

    def _on_moved(self, window: Any, x: int, y: int) -> None:
        self._update_geometry(window, x=x, y=y)

    def _on_resized(self, window: Any, width: int, height: int) -> None:
        self._update_geometry(window, width=width, height=height)

    def _on_maximized(self, window: Any) -> None:
        with self._lock:
            record = self._records.get(window.uid)
            if record:
                record.geometry = replace(record.geometry, maximized=True)

    def _on_restored(self, window: Any) -> None:
        with self._lock:
            record = self._records.get(window.uid)
            if record:
                record.geometry = replace(record.geometry, maximized=False)

    def _update_geometry(self, window: Any, **changes: int) -> None:
        with self._lock:
            record = self._records.get(window.uid)
            if record and not record.geometry.maximized:  # keep the size to restore to
                record.geometry = replace(record.geometry, **changes)

    def _on_closing(self, window: Any) -> None:
        """GUI thread, synchronous: note the final geometry, and whether this is the quit."""
        with self._lock:
            record = self._records.get(window.uid)
            if record is None:
                return
            if self._qt is not None:
                record.geometry = self._qt.read_geometry(window, record.geometry)
            if self._at_quit is None and len(self._records) == 1:
                # The user closed the last window: that is quitting, and this is the window
                # to reopen next time.
                self._at_quit = [record]
                self._quitting = True

    def _on_closed(self, window: Any) -> None:
        with self._lock:
            record = self._records.pop(window.uid, None)
        if record:
            log.info("Closed the window at %s", record.path)

    # -- closing -------------------------------------------------------------------------------

    def _close(self, record: _Record) -> None:
        """Close one window (on Qt its page, and so its event stream, ends with it)."""
        try:
            record.window.destroy()
        except Exception:  # a window that is already gone is closed enough
            log.debug("Closing a window failed", exc_info=True)

    # -- helpers -------------------------------------------------------------------------------

    def _in_order(self) -> list[_Record]:
        return sorted(self._records.values(), key=lambda r: r.opened_at)

    def _geometry_for_new_window(self, path: str) -> Geometry:
        if path == "/about":
            return Geometry(*ABOUT_SIZE)
        records = sorted(self._records.values(), key=lambda r: r.active_at)
        return cascade(records[-1].geometry) if records else Geometry()


def _page_facts(window: Any) -> tuple[str, str, str]:
    """The page's title, path (with query) and origin."""
    facts = window.run_js("[document.title, location.pathname + location.search, location.origin]")
    if isinstance(facts, str):  # some backends hand back the JSON text
        facts = json.loads(facts)
    title, path, origin = facts
    return str(title), str(path), str(origin)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
