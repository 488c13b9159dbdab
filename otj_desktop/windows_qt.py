"""What the Qt backend needs beyond pywebview's own API (imported only when Qt is the backend).

Each piece fills a gap measured in pywebview 6.2.1's Qt backend; each is guarded so that a
future pywebview that changes its internals loses the improvement, not the app:

* **Links out.** pywebview sends ``target=_blank`` links and ``window.open`` to the system
  browser, but lets a plain link (or ``location.href = ...``) take the app window itself to
  another site. The page script catches clicks; here every main-frame navigation to another
  origin is refused and handed to the system browser, whatever started it.
* **Titles.** Qt never copies the page's ``<title>`` to the window; the shell sets it after each
  load, and here the native title also follows later ``document.title`` changes.
* **Geometry at close.** Read from the widget on the GUI thread (``closing`` runs there), which
  is exact, instead of trusting the last of the ``moved``/``resized`` events (they arrive on
  separate threads, in no guaranteed order).
* **Qt's messages** go to the app's log instead of the terminal.
* **A GUI-thread invoker** for the few calls that must run there (the test control channel).

PyQt aborts the whole process on an exception escaping a Qt callback, hence the
``try``/``except`` around every override and slot.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import webbrowser
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from otj_desktop.windows import Geometry

log = logging.getLogger(__name__)
qt_log = logging.getLogger("otj_desktop.qt")

invoker: Invoker | None = None


class Invoker:
    """Runs functions on the GUI thread (create it there) and hands back their results."""

    def __init__(self) -> None:
        from qtpy import QtCore

        class _Relay(QtCore.QObject):
            job = QtCore.Signal(object)

        self._relay = _Relay()
        self._relay.job.connect(self._run, QtCore.Qt.ConnectionType.QueuedConnection)

    @staticmethod
    def _run(job: Callable[[], None]) -> None:
        job()

    def call(self, fn: Callable[[], Any], timeout: float = 10.0) -> Any:
        done = threading.Event()
        box: dict[str, Any] = {}

        def job() -> None:
            try:
                box["result"] = fn()
            except Exception as exc:  # handed back to the calling thread
                box["error"] = exc
            done.set()

        self._relay.job.emit(job)
        if not done.wait(timeout):
            raise TimeoutError("the GUI thread did not answer")
        if "error" in box:
            raise box["error"]
        return box.get("result")


def install(app_origin: str) -> None:
    """Patch the backend before the first window exists."""
    _keep_windows_on_origin(app_origin)
    _route_messages_to_log()


def before_show(window: Any) -> None:
    """GUI thread, as each window is built."""
    global invoker
    try:
        if invoker is None:
            invoker = Invoker()
    except Exception:
        log.warning("No GUI-thread invoker; some Qt improvements are off", exc_info=True)
    _follow_page_title(window.native)


def after_load(window: Any) -> None:
    """Any thread: catch up on windows built before their ``before_show`` handler was added."""
    native = getattr(window, "native", None)
    if native is None or getattr(native, "_otj_title_hooked", False) or invoker is None:
        return
    try:
        invoker.call(lambda: _follow_page_title(native), timeout=2.0)
    except Exception:  # the GUI is shutting down
        log.debug("Could not hook a window's title", exc_info=True)


def read_geometry(window: Any, fallback: Geometry) -> Geometry:
    """The window's position and size now (GUI thread); for a maximised window, the normal ones."""
    try:
        native = window.native
        if native.isMaximized():
            normal = native.normalGeometry()
            return Geometry(normal.width(), normal.height(), normal.x(), normal.y(), True)
        return Geometry(native.width(), native.height(), native.x(), native.y(), False)
    except Exception:
        log.debug("Could not read a window's geometry", exc_info=True)
        return fallback


def _follow_page_title(native: Any) -> None:
    def set_title(title: str) -> None:
        try:
            if title and not title.startswith(("http://", "https://", "about:")):
                native.setWindowTitle(title)
        except Exception:
            log.debug("Could not set a window title", exc_info=True)

    try:
        native.webview.titleChanged.connect(set_title)
        native._otj_title_hooked = True
    except Exception:
        log.warning("Window titles will only update on page loads", exc_info=True)


def _keep_windows_on_origin(app_origin: str) -> None:
    try:
        from qtpy.QtWebEngineWidgets import QWebEnginePage
        from webview.platforms import qt as pywebview_qt

        page_class = pywebview_qt.BrowserView.WebPage
    except Exception:
        log.warning("Cannot keep windows on the app's pages (pywebview changed?)", exc_info=True)
        return

    def accept_navigation(page: Any, url: Any, nav_type: Any, is_main_frame: bool) -> bool:
        try:
            target = url.toString()
            if is_main_frame and leaves_app(target, app_origin):
                _open_in_system_browser(target)
                return False
            return QWebEnginePage.acceptNavigationRequest(page, url, nav_type, is_main_frame)
        except Exception:
            log.exception("Navigation check failed; refusing the navigation")
            return False

    page_class.acceptNavigationRequest = accept_navigation

    def create_window(page: Any, _kind: Any) -> Any:
        # pywebview hands every new-window request the page's one NavigationHandler; reusing
        # it for a second request soon after the first crashed Qt (SIGSEGV) in our tests. A
        # fresh handler per request, owned by the page, sends each link to the browser.
        try:
            handler = pywebview_qt.BrowserView.NavigationHandler(page)
            handler.setParent(page)
            return handler
        except Exception:
            log.exception("Could not handle a new-window request")
            return None

    page_class.createWindow = create_window


def leaves_app(url: str, app_origin: str) -> bool:
    """Whether a navigation to ``url`` would take a window away to another web origin."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False  # about:blank, data: (pywebview's own pages) stay; file: is off anyway
    return f"{parts.scheme}://{parts.netloc}" != app_origin


def _open_in_system_browser(url: str) -> None:
    # Never on the GUI thread: with $BROWSER set, webbrowser waits for the command to finish.
    threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    log.info("Opened a link in the system browser")


def _route_messages_to_log() -> None:
    try:
        from qtpy import QtCore
    except Exception:
        return

    def handler(_mode: Any, _context: Any, message: str) -> None:
        with contextlib.suppress(Exception):  # a logging failure must never abort the process
            qt_log.debug("%s", message)

    QtCore.qInstallMessageHandler(handler)
