"""The app's menus (File, View, Help) and what each item does.

pywebview gives every window the same menu bar and runs each item's function on a new thread;
an item does not know which window it was chosen in, so items act on the *active* window (the
focused one, else the one used last). Items that need a file use the backend's file dialog.

* **Import standard…** reads the official JSON file and imports it through the same path as
  the Standard page's upload (``parse_standard`` + ``web.standards.adopt`` in one transaction,
  so every window hears ``standard_saved``), then shows the page that comes next in the active
  window: the profile for a first standard, the switch preview for a new version of the
  current one; when nothing new was added, a message says what happened.
* **Export CSV…** asks where to save and writes what ``GET /activities/export.csv`` returns,
  fetched over loopback like any window would (its own launch URL, its own cookie).
* **Open data folder** opens the folder in the system's file manager.

``MenuAction`` has no shortcut parameter, so Ctrl+N / Cmd+N is handled by the page's script;
on Qt the item's label shows the shortcut (text after a tab is drawn as the shortcut hint).
"""

from __future__ import annotations

import http.cookiejar
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from otj_desktop import APP_NAME
from otj_desktop.os_open import open_with_default_app, write_atomically
from otj_desktop.standards.importer import UPLOAD_LIMIT, StandardFileError, parse_standard
from otj_desktop.store.db import Database, StorageError
from otj_desktop.web.navigation import MAIN_PAGES
from otj_desktop.web.standards import Adoption, adopt
from otj_desktop.windows import DesktopShell

log = logging.getLogger(__name__)

EXPORT_PATH = "/activities/export.csv"
# Every main page, as the header lists them (web/navigation.py).
VIEW_PAGES = tuple((page.label, page.path) for page in MAIN_PAGES)


class MenuCommands:
    """What the menu items do. Each method runs on its own thread (pywebview's choice)."""

    def __init__(self, shell: DesktopShell, db: Database, data_dir: Path) -> None:
        self.shell = shell
        self.db = db
        self.data_dir = data_dir

    def new_window(self) -> None:
        self.shell.open_window("/")

    def show(self, path: str) -> Callable[[], None]:
        return lambda: self.shell.show(path)

    def about(self) -> None:
        self.shell.open_window("/about")

    def quit(self) -> None:
        self.shell.quit()

    def open_data_folder(self) -> None:
        if not open_with_default_app(self.data_dir):
            self._tell("Open data folder", f"Could not open {self.data_dir}: no file manager.")

    def import_standard(self) -> None:
        window = self.shell.active_window()
        if window is None:
            return
        import webview

        chosen = window.create_file_dialog(
            webview.FileDialog.OPEN,
            directory=str(Path.home()),
            file_types=("Standard JSON (*.json)", "All files (*.*)"),
        )
        if not chosen:
            return
        try:
            adoption = import_standard_file(self.db, Path(chosen[0]))
        except (StandardFileError, StorageError) as exc:
            self._tell("Import standard", str(exc))
            return
        window.load_url(self.shell.base_url + adoption.next_path)
        if not adoption.created:  # the page shown does not say what happened
            self._tell("Import standard", adoption.message)

    def export_csv(self) -> None:
        window = self.shell.active_window()
        if window is None:
            return
        import webview

        chosen = window.create_file_dialog(
            webview.FileDialog.SAVE,
            directory=str(Path.home()),
            save_filename=f"otj-activities-{date.today().isoformat()}.csv",
        )
        if not chosen:
            return
        target = Path(chosen[0] if isinstance(chosen, list | tuple) else chosen)
        try:
            data = self.shell_fetch(EXPORT_PATH)
        except urllib.error.HTTPError as exc:
            self._tell("Export CSV", f"The export failed ({exc.code}); nothing was saved.")
            return
        try:
            write_atomically(target, data)
        except OSError as exc:
            self._tell("Export CSV", f"Could not save {target}: {exc.strerror or exc}")

    def shell_fetch(self, path: str) -> bytes:
        """GET ``path`` from the app as a window would (a fresh launch URL, its own cookie)."""
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
        )
        with opener.open(self.shell.base_url + self.shell.launch_path(path), timeout=30) as r:
            return r.read()

    def _tell(self, title: str, message: str) -> None:
        log.info("%s: %s", title, message)
        window = self.shell.active_window()
        if window is not None:
            window.create_confirmation_dialog(title, message)


def build_menu(commands: MenuCommands, *, shortcut_hints: bool) -> list[Any]:
    """The menu bar every window gets."""
    from webview.menu import Menu, MenuAction, MenuSeparator

    new_window = "New window\tCtrl+N" if shortcut_hints else "New window"
    return [
        Menu(
            "File",
            [
                MenuAction(new_window, commands.new_window),
                MenuSeparator(),
                MenuAction("Export CSV…", commands.export_csv),
                MenuAction("Import standard…", commands.import_standard),
                MenuAction("Open data folder", commands.open_data_folder),
                MenuSeparator(),
                MenuAction("Quit", commands.quit),
            ],
        ),
        Menu("View", [MenuAction(label, commands.show(path)) for label, path in VIEW_PAGES]),
        Menu("Help", [MenuAction(f"About {APP_NAME}", commands.about)]),
    ]


def import_standard_file(db: Database, path: Path) -> Adoption:
    """Import the standard in ``path`` as the Standard page's upload does (``adopt``).

    Raises :class:`StandardFileError` with a sentence for the user when the file will not do.
    """
    try:
        with path.open("rb") as handle:
            raw = handle.read(UPLOAD_LIMIT + 1)
    except OSError as exc:
        raise StandardFileError(f"Could not read {path.name}: {exc.strerror or exc}.") from None
    if len(raw) > UPLOAD_LIMIT:
        raise StandardFileError(f"{path.name} is too large to be a standard's JSON file.")
    data = parse_standard(raw)
    with db.transaction() as tx:
        adoption = adopt(tx, data)
    log.info("Imported %s v%s from the File menu", data.title, data.version)
    return adoption
