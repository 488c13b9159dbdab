"""The desktop shell's parts that need no window: remembering windows, placing them on screens,
the settings store, the single-instance claim, and the "is there a GUI?" probe."""

from __future__ import annotations

import json
import os
import stat

import pytest

from otj_desktop import gui_probe, instance
from otj_desktop.menus import EXPORT_PATH, MenuCommands, import_standard_file
from otj_desktop.standards.importer import StandardFileError
from otj_desktop.store import settings as settings_store
from otj_desktop.web.security import launch_path
from otj_desktop.windows import (
    MIN_SIZE,
    Geometry,
    SavedWindow,
    cascade,
    fit_to_screens,
    load_window_state,
    parse_saved_windows,
    save_window_state,
    saved_windows_value,
)
from otj_desktop.windows_qt import leaves_app
from tests.conftest import activity_form, standard_json
from tests.process_helpers import Browserless

SCREEN = (0, 0, 1920, 1080)


# -- remembering windows -----------------------------------------------------------------------


def test_saved_windows_round_trip_through_the_settings_table(db):
    windows = [
        SavedWindow("/", Geometry(900, 700, 40, 30)),
        SavedWindow("/activities?page=2", Geometry(820, 640, 700, 120, maximized=True)),
    ]
    save_window_state(db, windows)
    assert load_window_state(db) == windows


def test_nothing_open_at_quit_keeps_what_the_last_run_saved(db):
    save_window_state(db, [SavedWindow("/profile", Geometry())])
    save_window_state(db, [])
    assert [w.path for w in load_window_state(db)] == ["/profile"]


def test_unreadable_window_state_is_skipped_never_fatal():
    assert parse_saved_windows(None) == []
    assert parse_saved_windows({"windows": "nope"}) == []
    odd = {
        "windows": [
            "not a window",
            {"path": 42},
            {"path": "https://evil.example/", "width": "wide", "x": True, "y": None},
            {"path": "/activities", "width": -5, "height": 500.7, "x": 10, "y": 20},
        ]
    }
    assert parse_saved_windows(odd) == [
        SavedWindow("/", Geometry()),
        SavedWindow("/activities", Geometry(height=500, x=10, y=20)),
    ]


def test_at_most_eight_windows_are_reopened():
    value = saved_windows_value([SavedWindow(f"/activities/{n}", Geometry()) for n in range(20)])
    assert len(parse_saved_windows(value)) == 8


def test_a_window_bigger_than_every_screen_is_shrunk_to_fit():
    fitted = fit_to_screens(Geometry(3000, 2000, 0, 0), [SCREEN])
    assert (fitted.width, fitted.height) == (1920, 1080)
    tiny = fit_to_screens(Geometry(10, 10, 0, 0), [SCREEN])
    assert (tiny.width, tiny.height) == MIN_SIZE


def test_a_window_left_on_a_monitor_that_is_gone_is_placed_by_the_system():
    second_monitor = (1920, 0, 1280, 1024)
    on_second = Geometry(800, 600, 2200, 100)
    assert fit_to_screens(on_second, [SCREEN, second_monitor]).x == 2200
    moved_back = fit_to_screens(on_second, [SCREEN])
    assert (moved_back.x, moved_back.y) == (None, None)
    off_the_bottom = fit_to_screens(Geometry(800, 600, 100, 1075), [SCREEN])
    assert off_the_bottom.x is None


def test_without_screen_information_geometry_is_left_alone():
    g = Geometry(5000, 5000, -300, -300)
    assert fit_to_screens(g, []) == g


def test_a_new_window_opens_just_below_and_right_of_the_one_it_came_from():
    assert cascade(Geometry(900, 700, 40, 30, maximized=True)) == Geometry(900, 700, 72, 62)
    assert cascade(Geometry(900, 700)) == Geometry(900, 700)


def test_settings_store_keeps_json_values_under_a_key(db):
    with db.connection() as conn:
        assert settings_store.get(conn, "missing", "default") == "default"
    with db.transaction() as tx:
        settings_store.put(tx, "k", {"a": [1, 2]})
        settings_store.put(tx, "k", {"a": [3]})
    with db.connection() as conn:
        assert settings_store.get(conn, "k") == {"a": [3]}
        conn.execute("UPDATE setting SET value = 'not json' WHERE key = 'k'")
        assert settings_store.get(conn, "k", "fallback") == "fallback"


# -- links out ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "leaves"),
    [
        ("http://127.0.0.1:5000/activities", False),
        ("http://127.0.0.1:5001/", True),
        ("http://localhost:5000/", True),
        ("https://example.org/guide", True),
        ("about:blank", False),
        ("data:text/html,x", False),
    ],
)
def test_which_navigations_leave_the_app(url, leaves):
    assert leaves_app(url, "http://127.0.0.1:5000") is leaves


# -- single instance ---------------------------------------------------------------------------


def test_only_one_launch_can_claim_a_data_folder(tmp_path):
    first, second = instance.SingleInstance(tmp_path), instance.SingleInstance(tmp_path)
    assert first.claim()
    assert not second.claim()
    first.release()
    assert second.claim()
    second.release()


def test_the_secret_file_is_readable_by_this_user_only_and_withdrawn_at_the_end(tmp_path):
    claim = instance.SingleInstance(tmp_path)
    assert claim.claim()
    leftover = tmp_path / (instance.SECRET_NAME + ".tmp")
    leftover.write_text("left over, world-readable")
    leftover.chmod(0o644)
    claim.publish(51234)
    path = tmp_path / instance.SECRET_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    record = json.loads(path.read_text())
    assert record == {"pid": os.getpid(), "port": 51234, "secret": claim.secret}
    assert len(claim.secret) >= 40
    claim.release()
    assert not path.exists()


def test_a_stale_secret_file_from_a_crashed_run_is_replaced(tmp_path):
    (tmp_path / instance.SECRET_NAME).write_text('{"port": 1, "secret": "old"}')
    (tmp_path / instance.LOCK_NAME).write_text("")
    claim = instance.SingleInstance(tmp_path)
    assert claim.claim()
    claim.publish(40000)
    assert '"port": 40000' in (tmp_path / instance.SECRET_NAME).read_text()
    claim.release()


def test_asking_a_launch_that_never_answers_gives_up_with_one_sentence(tmp_path):
    (tmp_path / instance.SECRET_NAME).write_text('{"port": 1, "secret": "old"}')
    with pytest.raises(instance.NoAnswer, match="already running with this data folder"):
        instance.ask_running_app(tmp_path, want_window=True, wait=0.3)


# -- is there a GUI? ---------------------------------------------------------------------------


def test_no_display_is_reported_without_touching_qt():
    assert gui_probe.gui_problem({}) == (
        "there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)"
    )


def test_the_chromium_sandbox_is_switched_off_only_for_root(monkeypatch):
    monkeypatch.setattr(gui_probe.sys, "platform", "linux")
    env = {"QTWEBENGINE_CHROMIUM_FLAGS": "--log-level=3"}
    monkeypatch.setattr(gui_probe.os, "geteuid", lambda: 1000)
    gui_probe.prepare_environment(env)
    assert env == {"QTWEBENGINE_CHROMIUM_FLAGS": "--log-level=3"}
    monkeypatch.setattr(gui_probe.os, "geteuid", lambda: 0)
    gui_probe.prepare_environment(env)
    gui_probe.prepare_environment(env)
    assert env == {"QTWEBENGINE_CHROMIUM_FLAGS": "--log-level=3 --no-sandbox"}


def test_a_browser_is_only_started_where_there_is_a_display(monkeypatch):
    monkeypatch.setattr(gui_probe.sys, "platform", "linux")
    assert not gui_probe.can_open_browser({})
    assert gui_probe.can_open_browser({"DISPLAY": ":0"})
    assert gui_probe.can_open_browser({"WAYLAND_DISPLAY": "wayland-0"})


# -- menu actions that need no window ----------------------------------------------------------


class _FakeWindow:
    def __init__(self, chosen):
        self.chosen = chosen
        self.told: list[tuple[str, str]] = []
        self.loaded: list[str] = []

    def create_file_dialog(self, *args, **kwargs):
        return self.chosen

    def create_confirmation_dialog(self, title, message):
        self.told.append((title, message))
        return True

    def load_url(self, url):
        self.loaded.append(url)


class _FakeShell:
    def __init__(self, app, base_url, window):
        self.base_url = base_url
        self.window = window
        tokens = app.extensions["otj"].launch_tokens
        self.launch_path = lambda path: launch_path(tokens, path)

    def active_window(self):
        return self.window


def test_export_csv_saves_what_the_export_page_returns(app, db, live_server, tmp_path):
    from otj_desktop.domain.activities import validate_activity
    from otj_desktop.store import activities as activity_store
    from tests.conftest import TODAY

    with db.transaction() as tx:
        for title in ("First export row", "Second export row"):
            activity_store.create(tx, validate_activity(activity_form(title=title), today=TODAY))
    target = tmp_path / "export.csv"
    window = _FakeWindow((str(target),))
    shell = _FakeShell(app, live_server.base_url, window)
    MenuCommands(shell, db, tmp_path).export_csv()
    window_view = Browserless(live_server.base_url + shell.launch_path("/"))
    with window_view.opener.open(live_server.base_url + EXPORT_PATH, timeout=10) as r:
        page = r.read()
    saved = target.read_bytes()
    # The saved file is the page, byte for byte, and the page is the activities (an empty or
    # failed export, or a file never written, fails here).
    assert saved == page
    assert b"First export row" in saved and b"Second export row" in saved
    assert window.told == []


def test_the_shell_fetches_pages_as_a_window_would(app, live_server, tmp_path):
    shell = _FakeShell(app, live_server.base_url, None)
    page = MenuCommands(shell, app.extensions["otj"].db, tmp_path).shell_fetch("/about")
    assert b"<title>About \xe2\x80\x94 OTJ Desktop</title>" in page


def test_import_standard_from_a_file_makes_a_first_standard_the_apprentices(db, tmp_path):
    source = tmp_path / "standard.json"
    source.write_text(json.dumps(standard_json()))
    first = import_standard_file(db, source)
    assert (first.next_path, first.created) == ("/profile", True)
    again = import_standard_file(db, source)  # already there: nothing changes
    assert again.created is False
    assert again.message == "Example widget technician v1.0 was already imported; nothing changed."
    too_big = tmp_path / "big.json"
    too_big.write_bytes(b" " * (5 * 1024 * 1024 + 1))
    with pytest.raises(StandardFileError, match="too large"):
        import_standard_file(db, too_big)
    with pytest.raises(StandardFileError, match="Could not read"):
        import_standard_file(db, tmp_path / "missing.json")


def test_import_standard_from_a_file_offers_the_switch_to_a_new_version(db, tmp_path):
    # The same path as the Standard page's upload: a newer version is stored and previewed,
    # never switched to without asking.
    for name in ("standard_st9999_v1_0.json", "standard_st9999_v1_1.json"):
        (tmp_path / name).write_text(json.dumps(standard_json(name)))
    import_standard_file(db, tmp_path / "standard_st9999_v1_0.json")
    newer = import_standard_file(db, tmp_path / "standard_st9999_v1_1.json")
    with db.connection() as conn:
        [v11] = conn.execute("SELECT id FROM standard WHERE version = '1.1'").fetchall()
        current = conn.execute("SELECT standard_id FROM profile").fetchone()[0]
    assert newer.next_path == f"/standards/{v11[0]}/switch"
    assert newer.created is True
    assert "Check how your links would move" in newer.message
    assert current != v11[0]  # still on 1.0 until the apprentice confirms


# -- the launcher's choice of user interface ---------------------------------------------------


def test_a_window_backend_that_fails_to_start_leaves_the_app_serving_a_browser(
    app, live_server, monkeypatch
):
    import threading

    from webview.errors import WebViewException

    from otj_desktop import desktop, windows

    def no_gui(self, restore, menu):
        raise WebViewException("You must have either QT or GTK installed")

    monkeypatch.setattr(windows.DesktopShell, "run", no_gui)
    monkeypatch.setattr(desktop.gui_probe, "gui_problem", lambda: None)
    monkeypatch.setattr(desktop.gui_probe, "prepare_environment", lambda: None)
    fallbacks: list[str] = []
    monkeypatch.setattr(
        desktop, "fall_back_to_browser", lambda app, server, problem: fallbacks.append(problem)
    )
    stop = threading.Event()
    ui = threading.Thread(
        target=desktop.show_user_interface,
        args=(app, live_server, stop),
        kwargs={"headless": False},
    )
    ui.start()
    ui.join(0.5)
    assert ui.is_alive()  # still serving, for the browser
    assert fallbacks == [
        "the window backend did not start (You must have either QT or GTK installed)"
    ]
    assert app.extensions["otj"].desktop.has_windows is False
    stop.set()
    ui.join(2)
    assert not ui.is_alive()
