"""The packaging rules, checked without building anything (fast; no PyInstaller needed).

The real build, the .deb, its installation and the installed copy's self-test run in .ci/run
(they install a system package as root, which a test run must never do).
"""

from __future__ import annotations

import configparser
import importlib.util
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.process_helpers import REPO

BUILD = REPO / "build"


def load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


rules = load("bundle_rules", BUILD / "bundle_rules.py")


# -- what is bundled -----------------------------------------------------------------------------


def test_the_bundle_carries_the_same_data_files_as_the_wheel():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["otj_desktop"]
    package = REPO / "otj_desktop"
    in_wheel = {
        path.relative_to(package).as_posix()
        for pattern in patterns
        for path in package.glob(pattern)
        if path.is_file()
    }
    in_bundle = {Path(source).relative_to(package).as_posix() for source, _ in rules.package_data()}
    assert in_bundle == in_wheel
    for expected in ("store/migrations/0001_initial.sql", "web/templates/base.html"):
        assert expected in in_bundle


def test_bundled_data_keeps_the_package_layout():
    for source, folder in rules.package_data():
        assert Path(source).parent == REPO / folder


@pytest.mark.parametrize(
    ("platform", "kept", "left_out"),
    [
        (
            "linux",
            ["webview.platforms.qt"],
            ["webview.platforms.winforms", "clr", "objc", "platformdirs.windows"],
        ),
        (
            "win32",
            ["webview.platforms.edgechromium", "webview.platforms.winforms", "clr"],
            ["webview.platforms.qt", "webview.platforms.mshtml", "PyQt6", "qtpy", "objc"],
        ),
        ("darwin", ["webview.platforms.cocoa"], ["webview.platforms.qt", "PyQt6", "clr"]),
    ],
)
def test_each_os_bundles_only_its_own_webview_backend(platform, kept, left_out):
    hidden, excluded = rules.hidden_imports(platform), rules.excludes(platform)
    for module in kept:
        assert module in hidden
        assert module not in excluded
    for module in left_out:
        assert module in excluded
    assert {"PyQt5", "PySide6", "tkinter"} <= set(excluded)


def test_linux_leaves_out_the_pyqt6_modules_that_only_pull_in_qml():
    excluded = rules.excludes("linux")
    assert "PyQt6.QtQuick" in excluded
    # ... but never the ones the web view imports at run time.
    for needed in ("PyQt6.QtWebEngineWidgets", "PyQt6.QtPrintSupport", "PyQt6.QtOpenGL"):
        assert needed not in excluded


# -- trimming the Linux Qt bundle ----------------------------------------------------------------


@pytest.fixture
def links(monkeypatch):
    """Fake DT_NEEDED lists, keyed by source path."""
    table: dict[str, list[str]] = {}
    monkeypatch.setattr(rules, "needed", lambda path: table.get(path, []))
    return table


def entry(dest: str, src: str | None = None, kind: str = "BINARY"):
    return (dest, src or f"/venv/site-packages/{dest}", kind)


def test_trim_drops_what_a_qtwebengine_window_does_not_use(links):
    qt = "PyQt6/Qt6"
    binaries = [
        entry("PyQt6/QtWebEngineCore.abi3.so"),
        entry(f"{qt}/lib/libQt6WebEngineCore.so.6"),
        entry(f"{qt}/lib/libQt6Pdf.so.6"),
        entry(f"{qt}/plugins/platforms/libqxcb.so"),
        entry(f"{qt}/plugins/platforms/libqwayland.so"),
        entry(f"{qt}/plugins/printsupport/libcupsprintersupport.so"),
        entry("python3.11/lib-dynload/_ssl.so", "/py/lib/python3.11/lib-dynload/_ssl.so"),
        entry("libssl.so.3", "/usr/lib/x86_64-linux-gnu/libssl.so.3"),
        entry("libnss3.so", "/usr/lib/x86_64-linux-gnu/libnss3.so"),
    ]
    datas = [
        entry(f"{qt}/translations/qtbase_de.qm", kind="DATA"),
        entry(f"{qt}/translations/qtwebengine_locales/en-GB.pak", kind="DATA"),
        entry(f"{qt}/translations/qtwebengine_locales/de.pak", kind="DATA"),
        entry(f"{qt}/resources/qtwebengine_resources.pak", kind="DATA"),
        entry(f"{qt}/resources/qtwebengine_devtools_resources.pak", kind="DATA"),
        ("libQt6Pdf.so.6", f"{qt}/lib/libQt6Pdf.so.6", "SYMLINK"),
        ("libQt6WebEngineCore.so.6", f"{qt}/lib/libQt6WebEngineCore.so.6", "SYMLINK"),
    ]
    links["/venv/site-packages/PyQt6/QtWebEngineCore.abi3.so"] = ["libQt6WebEngineCore.so.6"]
    links[f"/venv/site-packages/{qt}/lib/libQt6WebEngineCore.so.6"] = ["libnss3.so"]
    links["/py/lib/python3.11/lib-dynload/_ssl.so"] = ["libssl.so.3"]

    kept_bins, kept_datas, report = rules.trim_linux(binaries, datas, python_roots=["/py"])

    assert [e[0] for e in kept_bins] == [
        "PyQt6/QtWebEngineCore.abi3.so",
        f"{qt}/lib/libQt6WebEngineCore.so.6",
        f"{qt}/plugins/platforms/libqxcb.so",
        "python3.11/lib-dynload/_ssl.so",
        "libssl.so.3",  # Python's own dependency stays: the tested version
    ]  # libnss3 (Qt's) comes from the system; libQt6Pdf nothing links to
    assert [e[0] for e in kept_datas] == [
        f"{qt}/translations/qtwebengine_locales/en-GB.pak",
        f"{qt}/resources/qtwebengine_resources.pak",
        "libQt6WebEngineCore.so.6",
    ]
    assert len(report.lines()) == len(report.dropped) == 7


def test_trim_report_names_every_file_it_left_out(links):
    _, _, report = rules.trim_linux(
        [], [entry("PyQt6/Qt6/translations/qt_fr.qm", kind="DATA")], python_roots=["/py"]
    )
    assert report.details() == "Qt translations\tPyQt6/Qt6/translations/qt_fr.qm\t0"


# -- the files the installers are made from ------------------------------------------------------


def test_the_spec_is_valid_python_and_its_icons_exist():
    compile((REPO / "installer.spec").read_text(encoding="utf-8"), "installer.spec", "exec")
    for name in ("otj-desktop.ico", "otj-desktop.icns", "otj-desktop-256.png"):
        assert (rules.ICONS / name).is_file()


def test_version_comes_from_the_package():
    from otj_desktop import __version__

    assert rules.version() == __version__


def test_windows_version_resource_carries_the_app_version(tmp_path):
    text = rules.windows_version_file(tmp_path / "v.txt").read_text(encoding="utf-8")
    major, minor, patch = (int(n) for n in rules.version().split(".")[:3])
    assert f"filevers=({major}, {minor}, {patch}, 0)" in text
    assert f"StringStruct('ProductVersion', '{rules.version()}')" in text


def test_desktop_entry_starts_the_installed_command_with_its_icon():
    entry_file = configparser.ConfigParser(interpolation=None)
    entry_file.optionxform = str
    entry_file.read(BUILD / "linux" / "otj-desktop.desktop", encoding="utf-8")
    section = entry_file["Desktop Entry"]
    assert section["Exec"] == "otj-desktop"
    assert section["Icon"] == "otj-desktop"
    assert section["Terminal"] == "false"
    validate = shutil.which("desktop-file-validate")
    if validate:
        subprocess.run([validate, str(BUILD / "linux" / "otj-desktop.desktop")], check=True)


def test_hicolor_icons_exist_for_every_size_the_deb_installs():
    sizes = sorted(int(p.stem.rsplit("-", 1)[1]) for p in rules.ICONS.glob("otj-desktop-*.png"))
    assert sizes == [16, 24, 32, 48, 64, 128, 256, 512]


def test_maintainer_scripts_keep_the_users_data(tmp_path):
    # postinst installs the AppArmor profile only where AppArmor 4 is present; postrm removes
    # it and nothing else, whatever dpkg asks (remove or purge).
    root = tmp_path / "root"
    (root / "etc/apparmor.d/abi").mkdir(parents=True)
    (root / "opt/otj-desktop/share/apparmor").mkdir(parents=True)
    (root / "opt/otj-desktop/share/apparmor/otj-desktop").write_text("profile\n")
    data = root / "home/apprentice/.local/share/OTJ Desktop"
    data.mkdir(parents=True)
    (data / "otj.sqlite3").write_text("data")
    env = {"DPKG_ROOT": str(root), "PATH": "/usr/bin:/bin"}

    def script(name: str, *args: str) -> None:
        subprocess.run(["sh", str(BUILD / "linux" / name), *args], env=env, check=True)

    script("postinst", "configure")
    assert not (root / "etc/apparmor.d/otj-desktop").exists()  # no AppArmor 4: nothing
    (root / "etc/apparmor.d/abi/4.0").write_text("")
    script("postinst", "configure")
    assert (root / "etc/apparmor.d/otj-desktop").read_text() == "profile\n"
    script("postrm", "upgrade")
    assert (root / "etc/apparmor.d/otj-desktop").exists()
    script("postrm", "purge")
    assert not (root / "etc/apparmor.d/otj-desktop").exists()
    assert (data / "otj.sqlite3").read_text() == "data"


@pytest.mark.parametrize(
    ("user_value", "child_sees"),
    [("/home/me/lib", "/home/me/lib"), (None, "unset")],
)
def test_programs_the_frozen_app_starts_get_the_users_library_path(user_value, child_sees):
    # The bootloader sets LD_LIBRARY_PATH to the bundle and keeps the user's value (if any) in
    # LD_LIBRARY_PATH_ORIG; the runtime hook puts the user's back for child processes.
    hook = BUILD / "pyinstaller" / "rthook_child_env.py"
    env = {"PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": "/opt/otj-desktop/_internal"}
    if user_value:
        env["LD_LIBRARY_PATH_ORIG"] = user_value
    code = (
        "import subprocess, sys; sys.frozen = True; "
        f"exec(open({str(hook)!r}).read()); "
        "print(subprocess.run(['sh', '-c', 'echo ${LD_LIBRARY_PATH-unset}'], "
        "capture_output=True, text=True).stdout.strip())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    on_linux = sys.platform.startswith("linux")
    assert done.stdout.strip() == (child_sees if on_linux else env["LD_LIBRARY_PATH"])
