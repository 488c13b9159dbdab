"""Can this machine show the app's windows? Asked before ``webview.start``.

It has to be asked first: on Linux, when Qt cannot reach a display (or one of its X11 libraries
is missing), ``webview.start`` does not raise, it *aborts the whole process* (SIGABRT) with no
``finally`` and no clean-up. Measured costs and coverage (docs/architecture.md):

* ``DISPLAY`` / ``WAYLAND_DISPLAY`` set at all: free; catches "no display".
* importing Qt WebEngine (~0.1 s, which the window code pays anyway): catches a missing Qt
  backend or missing Qt system libraries, and names the library.
* loading Qt's X11 platform plugin with ``ctypes`` (~10 ms): catches a missing xcb library
  (e.g. ``libxcb-cursor.so.0``) and names it.
* opening and closing an X connection with libxcb (~5 ms): catches a dead or unreachable
  display.
* Wayland and other ``QT_QPA_PLATFORM`` values cannot be checked that way; there a throwaway
  ``QApplication`` is started in a subprocess (~70 ms), the one check that covers everything.

On Windows the WebView2 runtime must be installed (otherwise pywebview falls back to the old
MSHTML engine, which cannot run the app's pages); macOS always has WKWebView.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import subprocess
import sys
from collections.abc import Mapping, MutableMapping
from pathlib import Path

WEBVIEW2_RUNTIME_KEY = "{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"


def prepare_environment(environ: MutableMapping[str, str] = os.environ) -> None:
    """Settings the GUI needs before Qt starts.

    Qt WebEngine's sandbox refuses to run as root (the process exits with "Running as root
    without --no-sandbox is not supported"), so it is switched off then, and only then.
    """
    if sys.platform.startswith("linux") and os.geteuid() == 0:
        flags = environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
        if "--no-sandbox" not in flags.split():
            environ["QTWEBENGINE_CHROMIUM_FLAGS"] = f"{flags} --no-sandbox".strip()


def gui_problem(environ: Mapping[str, str] = os.environ) -> str | None:
    """None when windows can open here; otherwise what is missing, as a short phrase."""
    if sys.platform == "win32":
        return _webview2_problem()
    if sys.platform == "darwin":
        return None
    return _qt_problem(environ)


def _qt_problem(environ: Mapping[str, str]) -> str | None:
    platform = environ.get("QT_QPA_PLATFORM", "")
    offscreen = platform.startswith(("offscreen", "minimal"))
    x11 = bool(environ.get("DISPLAY")) and platform in ("", "xcb")
    if not offscreen and not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")):
        return "there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)"
    problem = _qt_import_problem()
    if problem or offscreen:
        return problem
    if x11:
        return _xcb_plugin_problem() or _x_display_problem(environ["DISPLAY"])
    return _qt_app_problem()


def _qt_import_problem() -> str | None:
    try:
        import qtpy.QtWebEngineWidgets  # noqa: F401 - fails when Qt or its libraries are missing
    except Exception as exc:  # qtpy raises its own error types, not ImportError
        return f"the Qt window backend cannot load ({_first_line(exc)}); install otj-desktop[qt]"
    return None


def _xcb_plugin_problem() -> str | None:
    plugin = _qt_plugins_dir() / "platforms" / "libqxcb.so"
    if not plugin.exists():
        return None  # an unusual Qt build: leave it to Qt
    try:
        ctypes.CDLL(str(plugin))
    except OSError as exc:
        return f"Qt's X11 support is missing a system library ({_first_line(exc)})"
    return None


def _qt_plugins_dir() -> Path:
    from qtpy.QtCore import QLibraryInfo

    try:
        return Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    except AttributeError:  # Qt 5
        return Path(QLibraryInfo.location(QLibraryInfo.PluginsPath))


def _x_display_problem(display: str) -> str | None:
    """Open and close a real X connection, as Qt's xcb plugin does first."""
    try:
        xcb = ctypes.CDLL(ctypes.util.find_library("xcb") or "libxcb.so.1")
    except OSError:
        return "the X11 library libxcb is missing"
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    try:
        if xcb.xcb_connection_has_error(connection) != 0:
            return f"cannot connect to the display {display}"
    finally:
        xcb.xcb_disconnect(connection)
    return None


def _qt_app_problem() -> str | None:
    if getattr(sys, "frozen", False):
        return None  # a frozen app cannot run "python -c"; leave it to Qt
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from qtpy.QtWidgets import QApplication; QApplication(sys.argv[:1])",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"Qt could not be started ({exc})"
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        return f"Qt cannot open a window here ({lines[0] if lines else result.returncode})"
    return None


def _webview2_problem() -> str | None:
    import platform
    import winreg  # type: ignore[import-not-found]  # Windows only

    places = [(winreg.HKEY_CURRENT_USER, r"SOFTWARE\Microsoft\EdgeUpdate\Clients")]
    if platform.machine().lower() in ("x86", "i386", "i686"):
        places.append((winreg.HKEY_LOCAL_MACHINE, r"SOFTWARE\Microsoft\EdgeUpdate\Clients"))
    else:
        places.append(
            (winreg.HKEY_LOCAL_MACHINE, r"SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients")
        )
    for root, path in places:
        try:
            with winreg.OpenKey(root, rf"{path}\{WEBVIEW2_RUNTIME_KEY}") as key:
                version, _ = winreg.QueryValueEx(key, "pv")
        except OSError:
            continue
        if version and str(version) != "0.0.0.0":  # noqa: S104 - a version number, not an address
            return None
    return "the Microsoft Edge WebView2 Runtime is not installed"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def can_open_browser(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether a graphical web browser could be started. Without a display, Python's
    ``webbrowser`` would fall back to a text browser in the terminal, so it is not asked."""
    if sys.platform.startswith("linux"):
        return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))
    return True
