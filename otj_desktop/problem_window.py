"""The start-up problem's window, in a process of its own (see ``startup_problem.py``).

Started with multiprocessing's "spawn", so this module stays small: it opens one pywebview
window on the problem page (private mode, kept on the page's own origin like the app's
windows) and returns when the window closes, or is ended by the parent process.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from otj_desktop import APP_NAME

TITLE = f"Could not start — {APP_NAME}"
SIZE = (620, 380)


def run(url: str) -> None:
    """Show ``url`` in a window until it is closed (the child process's whole life)."""
    import webview

    from otj_desktop import gui_probe
    from otj_desktop.windows import ICON, MIN_SIZE, gui_backend

    gui_probe.prepare_environment()
    backend = gui_backend()
    if backend:
        os.environ["PYWEBVIEW_GUI"] = backend
    qt = None
    if backend == "qt":
        from otj_desktop import windows_qt as qt

        parts = urlsplit(url)
        qt.install(f"{parts.scheme}://{parts.netloc}")
    window = webview.create_window(TITLE, url, width=SIZE[0], height=SIZE[1], min_size=MIN_SIZE)
    if qt is not None:
        window.events.before_show += qt.before_show
    _test_control(window)
    webview.start(gui=backend, private_mode=True, icon=str(ICON))


def _test_control(window) -> None:
    from otj_desktop.desktop import TEST_CONTROL_ENV

    if not os.environ.get(TEST_CONTROL_ENV):
        return
    try:
        from otj_desktop import test_control
    except ImportError:  # not in the installed app
        return
    test_control.start_for_one_window(window)
