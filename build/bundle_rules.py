"""What goes into the PyInstaller bundle on each OS, and what is left out (and why).

``installer.spec`` imports this module; the build scripts and ``tests/test_packaging.py`` use it
too, so the rules are plain functions over PyInstaller's TOC entries
(``(destination, source, typecode)`` tuples) that can be tested without building anything.

The app shows its pages in a pywebview window. Each OS gets exactly one web view backend:

* **Linux:** Qt (PyQt6 + QtWebEngine, ``webview.start(gui="qt")``). QtWebEngine is most of the
  bundle, so Linux gets trimmed hard (:func:`trim_linux`), rule by rule, each rule named so the
  build prints what it saved (figures in docs/benchmarks.md, "Packaging").
* **Windows:** WinForms + Edge WebView2 (``webview.platforms.edgechromium`` through pythonnet).
  The WebView2 runtime is part of Windows, so the bundle carries only pywebview's small loader
  DLLs; the installer checks that the runtime is there.
* **macOS:** Cocoa + WKWebView through PyObjC: part of the OS, nothing to trim.

Every other backend, and every Qt binding other than PyQt6, is excluded so that PyInstaller
neither bundles it nor warns about it (:func:`excludes`).
"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "otj_desktop"
APP_NAME = "OTJ Desktop"
APP_ID = "otj-desktop"  # executable, package and icon name
BUNDLE_ID = "uk.org.otj-desktop"
ICONS = REPO / "assets" / "icons"

TocEntry = tuple[str, str, str]

_PYWEBVIEW_BACKENDS = {
    "qt": "webview.platforms.qt",
    "gtk": "webview.platforms.gtk",
    "cef": "webview.platforms.cef",
    "winforms": "webview.platforms.winforms",
    "edgechromium": "webview.platforms.edgechromium",
    "mshtml": "webview.platforms.mshtml",
    "win32": "webview.platforms.win32",
    "cocoa": "webview.platforms.cocoa",
    "android": "webview.platforms.android",
}
# Which backends each OS keeps. On Windows ``mshtml`` (Internet Explorer) is left out on
# purpose: without WebView2 the app should say so (and fall back to the browser), not open an
# IE window that cannot run its pages.
_KEEP_BACKENDS = {
    "linux": {"qt"},
    "win32": {"winforms", "edgechromium", "win32"},
    "darwin": {"cocoa"},
}
# Python packages only the left-out backends use.
_BACKEND_DEPENDENCIES = {
    "qt": ["PyQt6", "qtpy", "sip"],
    "gtk": ["gi"],
    "cef": ["cefpython3"],
    "winforms": ["clr", "clr_loader", "pythonnet"],
    "cocoa": ["objc", "AppKit", "Foundation", "WebKit", "Quartz", "Security", "PyObjCTools"],
    "android": ["android", "jnius"],
}
# Never used by any build: other Qt bindings qtpy could otherwise pick up, and Tk. Also the
# test-only control channel: the frozen checks (--self-test, build/linux/check_deb.py) drive
# the app over HTTP and never set OTJ_DESKTOP_TEST_CONTROL, so the installed app does not carry
# it (desktop.py imports it only when that variable is set).
_ALWAYS_EXCLUDED = [
    "PyQt5",
    "PySide2",
    "PySide6",
    "tkinter",
    "_tkinter",
    "otj_desktop.test_control",
    # Pillow's parts for what thumbnails never do: AVIF (its libavif alone is ~5 MB; attachments
    # are PNG, JPEG, GIF or WebP), colour management (lcms2) and Tk.
    "PIL._avif",
    "PIL.AvifImagePlugin",
    "PIL._imagingcms",
    "PIL.ImageCms",
    "PIL._imagingtk",
    "PIL.ImageTk",
]
# PyQt6 modules that PyInstaller's Qt hooks pull in because libQt6WebEngineCore links the Qt
# Quick/QML libraries, but that no Python code imports: excluding them keeps the QML tree out.
# (The C++ libraries themselves stay: libQt6WebEngineCore needs them.)
_UNUSED_PYQT6_MODULES = [
    "PyQt6.QtQml",
    "PyQt6.QtQuick",
    "PyQt6.QtQuickWidgets",
    "PyQt6.QtPositioning",
    "PyQt6.QtDBus",
    "PyQt6.uic",
]


def platform_key(platform: str = sys.platform) -> str:
    if platform.startswith("linux"):
        return "linux"
    if platform in ("win32", "darwin"):
        return platform
    raise SystemExit(f"No bundle rules for {platform}")


def version() -> str:
    """The app version, read from the package without importing it."""
    text = (REPO / PACKAGE / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE).group(1)


def hidden_imports(platform: str = sys.platform) -> list[str]:
    """pywebview picks its backend at run time, so PyInstaller must be told which one."""
    key = platform_key(platform)
    modules = [_PYWEBVIEW_BACKENDS[name] for name in sorted(_KEEP_BACKENDS[key])]
    if key == "linux":
        modules += [
            "PyQt6.QtWebEngineWidgets",
            "PyQt6.QtWebEngineCore",
            "PyQt6.QtWebChannel",
            "PyQt6.QtNetwork",
        ]
    elif key == "win32":
        modules += ["clr"]
    return modules


def check_backend_installed(platform: str = sys.platform) -> None:
    """Stop the build, rather than ship a bundle without a window, if the backend is missing."""
    import importlib.util

    key = platform_key(platform)
    module = {"linux": "PyQt6.QtWebEngineWidgets", "win32": "clr", "darwin": "WebKit"}[key]
    try:
        found = importlib.util.find_spec(module) is not None
    except ImportError:
        found = False
    if not found:
        extra = "'.[qt,package]'" if key == "linux" else "'.[package]'"
        raise SystemExit(
            f"The {key} bundle needs {module} (pywebview's window backend) in this Python: "
            f"pip install -e {extra}"
        )


def excludes(platform: str = sys.platform) -> list[str]:
    key = platform_key(platform)
    keep = _KEEP_BACKENDS[key]
    out = [module for name, module in _PYWEBVIEW_BACKENDS.items() if name not in keep]
    for backend, packages in _BACKEND_DEPENDENCIES.items():
        if backend not in keep:
            out += packages
    out += _ALWAYS_EXCLUDED
    if key != "win32":
        out.append("platformdirs.windows")  # ctypes to shell32/ole32: warnings, never used
    if key == "linux":
        out += _UNUSED_PYQT6_MODULES
    return out


def package_data(repo: Path = REPO) -> list[tuple[str, str]]:
    """Every non-Python file of the package, as ``(source file, destination folder)``.

    Templates, static files (vendored libraries and their licences included), migrations and the
    standards catalogue all live inside the package and are read relative to it (Flask's
    package paths and ``importlib.resources``), so the bundle keeps the package's layout.
    """
    root = repo / PACKAGE
    found = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        found.append((str(path), str(path.parent.relative_to(repo))))
    return found


# -- Linux: trimming the Qt bundle ----------------------------------------------------------------

QT_ROOT = "PyQt6/Qt6"
# Plugins a QtWebEngine window on an X11 (or XWayland) desktop uses. Everything else under
# plugins/ is for things this app never does: other display systems (Wayland, EGLFS, VNC,
# framebuffer), printing, positioning, network status, TLS for QtNetwork (Chromium has its own
# network stack), image formats (web content is decoded by Chromium) and SVG icons.
QT_PLUGINS_KEPT = (
    "platforms/libqxcb.so",  # X11, and XWayland on Wayland desktops (Qt falls back to it)
    "platforms/libqoffscreen.so",  # no display at all: GUI tests, and a clean error otherwise
    "xcbglintegrations/*",  # OpenGL on X11 (GLX/EGL)
    "platforminputcontexts/*",  # input methods (IBus) and dead keys (compose)
    "platformthemes/*",  # GTK/portal look and native file dialogs, when the desktop has them
)
# Chromium's UI strings (context menu, form validation messages) for the locales the app is
# written for; Chromium falls back to en-US for any other.
WEBENGINE_LOCALES_KEPT = ("en-GB.pak", "en-US.pak")
# Shared libraries Python's own extension modules need are bundled with them (the versions the
# app was tested with, e.g. SQLite); every other system library is the one the OS provides and
# the .deb depends on (so Mesa, fontconfig and X11 match the machine's drivers and settings).


@dataclass
class TrimReport:
    """What each rule left out: ``{rule: [(destination, bytes), ...]}``."""

    dropped: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    def add(self, rule: str, entry: TocEntry) -> None:
        try:
            size = os.path.getsize(entry[1])
        except OSError:
            size = 0
        self.dropped.setdefault(rule, []).append((entry[0], size))

    def details(self) -> str:
        """Every file left out, by rule (written next to the build for reference)."""
        return "\n".join(
            f"{rule}\t{dest}\t{size}"
            for rule, items in self.dropped.items()
            for dest, size in items
        )

    def lines(self) -> list[str]:
        out = []
        for rule, items in self.dropped.items():
            total = sum(size for _, size in items) / 1e6
            out.append(f"{rule}: {len(items)} files, {total:.1f} MB")
        return out


def trim_linux(
    binaries: list[TocEntry],
    datas: list[TocEntry],
    *,
    python_roots: Iterable[str] = (sys.base_prefix, sys.prefix),
    drop_devtools: bool = True,
) -> tuple[list[TocEntry], list[TocEntry], TrimReport]:
    """Leave out of a Linux Qt bundle what a QtWebEngine window does not need.

    Rules, in order: unused Qt plugins; Qt's own translations (the UI is English and Qt's dialogs
    are few); Chromium locales other than English; the devtools resources (the inspector is never
    opened); Qt libraries nothing kept links against; system libraries (see above).
    """
    report = TrimReport()
    kept_datas = [e for e in datas if _keep_data(e, report, drop_devtools)]
    kept_bins = [e for e in binaries if _keep_plugin(e, report)]
    kept_bins = _drop_unreachable(kept_bins, report, python_roots)
    kept_datas = _drop_dangling_symlinks(kept_datas, kept_bins, report)
    return kept_bins, kept_datas, report


def _drop_dangling_symlinks(
    datas: list[TocEntry], binaries: list[TocEntry], report: TrimReport
) -> list[TocEntry]:
    """PyInstaller links each library in a sub-folder from the top folder too (as a SYMLINK
    entry among the datas); drop the links whose library was left out."""
    present = {PurePosixPath(dest).as_posix() for dest, _, _ in [*binaries, *datas]}
    kept = []
    for entry in datas:
        dest, target, kind = entry
        resolved = os.path.normpath(PurePosixPath(dest).parent / target)
        if kind == "SYMLINK" and PurePosixPath(resolved).as_posix() not in present:
            report.dropped.setdefault("links to left-out libraries", []).append((dest, 0))
        else:
            kept.append(entry)
    return kept


def _keep_data(entry: TocEntry, report: TrimReport, drop_devtools: bool) -> bool:
    dest = PurePosixPath(entry[0])
    translations = PurePosixPath(QT_ROOT, "translations")
    if dest.parent == translations and dest.suffix == ".qm":
        report.add("Qt translations", entry)
        return False
    locales = translations / "qtwebengine_locales"
    if dest.parent == locales and dest.name not in WEBENGINE_LOCALES_KEPT:
        report.add("Chromium locales other than en-GB/en-US", entry)
        return False
    if drop_devtools and dest == PurePosixPath(
        QT_ROOT, "resources", "qtwebengine_devtools_resources.pak"
    ):
        report.add("QtWebEngine devtools resources", entry)
        return False
    return _keep_plugin(entry, report)


def _keep_plugin(entry: TocEntry, report: TrimReport) -> bool:
    dest = PurePosixPath(entry[0])
    plugins = PurePosixPath(QT_ROOT, "plugins")
    if plugins not in dest.parents:
        return True
    relative = dest.relative_to(plugins).as_posix()
    if any(fnmatch.fnmatch(relative, pattern) for pattern in QT_PLUGINS_KEPT):
        return True
    report.add("Qt plugins for other displays, printing, positioning, images", entry)
    return False


def _drop_unreachable(
    binaries: list[TocEntry], report: TrimReport, python_roots: Iterable[str]
) -> list[TocEntry]:
    """Keep a library only if something kept links against it (DT_NEEDED), and keep a system
    library only if Python itself (not Qt) needs it."""
    by_name = {PurePosixPath(entry[0]).name: entry for entry in binaries}
    qt_libs = {dest for dest, _, _ in binaries if PurePosixPath(dest).parent.as_posix() == _QT_LIB}
    system = {entry[0] for entry in binaries if _is_system_library(entry, python_roots)}
    # Roots: everything loaded by path rather than by soname (extension modules, plugins, the
    # Python library, QtWebEngineProcess).
    roots = [entry for entry in binaries if entry[0] not in qt_libs | system]
    python_side = [entry for entry in roots if not entry[0].startswith("PyQt6/")]
    needed_by_all = _closure(roots, by_name)
    needed_by_python = _closure(python_side, by_name)
    kept = []
    for entry in binaries:
        name = PurePosixPath(entry[0]).name
        if entry[0] in qt_libs and name not in needed_by_all:
            report.add("Qt libraries nothing links against (Quick 3D, Multimedia, PDF, ...)", entry)
        elif entry[0] in system and name not in needed_by_python:
            report.add("system libraries the OS provides (.deb Depends)", entry)
        else:
            kept.append(entry)
    return kept


_QT_LIB = f"{QT_ROOT}/lib"


def _is_system_library(entry: TocEntry, python_roots: Iterable[str]) -> bool:
    """A library PyInstaller found on the build machine, outside Python and its packages."""
    dest, src, _ = entry
    if "/" in dest or ".so" not in dest:
        return False
    src_path = os.path.realpath(src)
    return not any(src_path.startswith(os.path.realpath(root) + os.sep) for root in python_roots)


def _closure(roots: Iterable[TocEntry], by_name: dict[str, TocEntry]) -> set[str]:
    """Names of the libraries ``roots`` link against, directly or not, among ``by_name``."""
    seen: set[str] = set()
    todo = [name for entry in roots for name in needed(entry[1])]
    while todo:
        name = todo.pop()
        if name in seen or name not in by_name:
            continue
        seen.add(name)
        todo.extend(needed(by_name[name][1]))
    return seen


def needed(path: str) -> list[str]:
    """The sonames an ELF file links against (its DT_NEEDED entries), via ``readelf``."""
    return _needed_cached(os.path.realpath(path))


_NEEDED_CACHE: dict[str, list[str]] = {}
_NEEDED_LINE = re.compile(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]")


def _needed_cached(path: str) -> list[str]:
    if path not in _NEEDED_CACHE:
        try:
            out = subprocess.run(
                ["readelf", "-d", "-W", path], capture_output=True, text=True, check=False
            ).stdout
        except FileNotFoundError:
            raise SystemExit("readelf (binutils) is needed to build the Linux bundle") from None
        _NEEDED_CACHE[path] = _NEEDED_LINE.findall(out)
    return _NEEDED_CACHE[path]


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


# -- Windows version resource ---------------------------------------------------------------------


def windows_version_file(path: Path) -> Path:
    """Write the VSVersionInfo text PyInstaller embeds in the .exe (Properties > Details)."""
    numbers = [int(part) for part in re.findall(r"\d+", version())[:3]]
    numbers += [0] * (4 - len(numbers))
    as_tuple = tuple(numbers)
    text = f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers={as_tuple}, prodvers={as_tuple}, mask=0x3f, flags=0x0, OS=0x40004,
    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('080904B0', [
      StringStruct('CompanyName', '{APP_NAME}'),
      StringStruct('FileDescription', '{APP_NAME}'),
      StringStruct('FileVersion', '{version()}'),
      StringStruct('InternalName', '{APP_ID}'),
      StringStruct('LegalCopyright', 'MIT licence'),
      StringStruct('OriginalFilename', '{APP_ID}.exe'),
      StringStruct('ProductName', '{APP_NAME}'),
      StringStruct('ProductVersion', '{version()}')])]),
    VarFileInfo([VarStruct('Translation', [2057, 1200])])
  ]
)
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
