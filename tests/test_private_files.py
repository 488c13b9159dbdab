"""Other users of the computer can read none of the apprentice's data: everything the app writes
is owner-only (umask 0o077), an older, looser data folder is tightened once, and the browser is
never given the launch URL on its command line (a 0600 page that redirects, deleted once used).
"""

from __future__ import annotations

import os
import re
import signal
import stat
import sys
import time
from pathlib import Path

import pytest

from otj_desktop import browser_open, instance, paths
from otj_desktop.web import DATABASE_NAME
from otj_desktop.web.backups import BACKUP_FOLDER
from otj_desktop.web.security import HOP_PARAM, LaunchTokens, launch_path
from tests.attachment_helpers import image, upload
from tests.conftest import activity_form
from tests.process_helpers import Browserless, app_env, start_app, stop

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
LOOSE_FOLDER = 0o755  # as releases before private files left folders (files 0o644)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def modes_under(folder: Path) -> dict[str, int]:
    found = {".": mode(folder)}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            found[str(path.relative_to(folder))] = mode(path)
    return found


@pytest.fixture
def private_umask():
    previous = paths.keep_files_private()
    yield
    paths.restore_umask(previous)


# -- what the app writes -----------------------------------------------------------------------


@posix_only
@pytest.mark.slow
def test_everything_a_running_app_writes_is_for_this_user_only(tmp_path):
    data_dir = tmp_path / "data"
    proc, launch_url = start_app(tmp_path, "--headless", "--data-dir", str(data_dir))
    try:
        window = Browserless(launch_url)
        assert window.post("/activities/new", activity_form())[0] == 200
        assert window.post("/backups/now", {})[0] == 200
        assert (data_dir / "otj.sqlite3-wal").exists()  # while the app runs
        written = modes_under(data_dir)
    finally:
        code, _ = stop(proc, signal.SIGTERM)
    assert code == 0
    assert any(name.startswith("backups/") for name in written)
    assert any(name.startswith("logs/otj-desktop.log") for name in written)
    loose = {name: oct(m) for name, m in written.items() if m & 0o077}
    assert loose == {}
    assert written["."] == 0o700


@posix_only
def test_attachments_and_thumbnails_are_for_this_user_only(app, client, private_umask):
    client.post("/activities/new", activity_form())
    assert upload(client, 1, (image("PNG"), "photo.png")).status_code in (200, 302, 303)
    attachments = Path(app.extensions["otj"].data_dir) / "attachments"
    written = modes_under(attachments) | modes_under(attachments.parent / "cache")
    assert len(written) > 2
    assert {name: oct(m) for name, m in written.items() if m & 0o077} == {}


@posix_only
def test_programs_the_app_starts_get_the_users_own_umask(monkeypatch, tmp_path):
    from otj_desktop import os_open

    calls = []
    monkeypatch.setattr(os_open.subprocess, "Popen", lambda *a, **kw: calls.append(kw))
    before = os.umask(0o022)
    os.umask(before)
    previous = paths.keep_files_private()
    try:
        assert os_open.open_with_default_app(tmp_path)  # the data folder, say
    finally:
        paths.restore_umask(previous)
    assert calls[0]["umask"] == paths.user_umask() != paths.PRIVATE_UMASK


# -- a folder from an older version ------------------------------------------------------------


def loose_data_folder(folder: Path) -> None:
    """A data folder as a release without private files left it (0755 / 0644)."""
    (folder / "backups" / "attachments").mkdir(parents=True)
    (folder / "attachments").mkdir()
    for name in (DATABASE_NAME, f"{DATABASE_NAME}-wal", instance.LOCK_NAME):
        (folder / name).write_bytes(b"x")
    (folder / BACKUP_FOLDER / "daily-x.sqlite3").write_bytes(b"x")
    (folder / "attachments" / "abc").write_bytes(b"x")
    for root, _dirs, files in os.walk(folder):
        os.chmod(root, LOOSE_FOLDER)
        for name in files:
            os.chmod(Path(root) / name, 0o644)


@posix_only
def test_an_older_loose_data_folder_is_made_private_once(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    loose_data_folder(folder)
    assert paths.tighten_permissions(folder) == len(modes_under(folder))
    assert {name: oct(m) for name, m in modes_under(folder).items() if m & 0o077} == {}
    assert mode(folder / DATABASE_NAME) == 0o600
    assert mode(folder / "backups") == 0o700
    assert paths.tighten_permissions(folder) == 0  # once: nothing left to do


@posix_only
def test_a_folder_the_user_shares_with_other_files_keeps_them_as_they_were(tmp_path):
    folder = tmp_path / "home"
    folder.mkdir()
    loose_data_folder(folder)
    (folder / "notes.txt").write_text("mine")
    os.chmod(folder / "notes.txt", 0o644)
    (folder / "elsewhere").mkdir(mode=0o755)
    (folder / "backups" / "link").symlink_to(tmp_path)  # never followed
    os.chmod(tmp_path, LOOSE_FOLDER)
    paths.tighten_permissions(folder)
    assert mode(folder) == 0o755  # not only the app's: the folder itself is left
    assert mode(folder / "notes.txt") == 0o644
    assert mode(folder / "elsewhere") == 0o755
    assert mode(tmp_path) == 0o755
    assert mode(folder / DATABASE_NAME) == 0o600
    assert mode(folder / "attachments" / "abc") == 0o600


@posix_only
def test_a_folder_without_the_apps_files_is_not_touched(tmp_path):
    folder = tmp_path / "chosen"
    folder.mkdir(mode=0o755)
    (folder / "thesis.odt").write_bytes(b"x")
    os.chmod(folder / "thesis.odt", 0o644)
    assert paths.tighten_permissions(folder) == 0
    assert (mode(folder), mode(folder / "thesis.odt")) == (0o755, 0o644)


def test_the_names_the_app_writes_are_the_ones_it_tightens():
    from otj_desktop.store import backup_files
    from otj_desktop.store.attachment_files import attachments_folder

    for name in (
        DATABASE_NAME,
        instance.LOCK_NAME,
        instance.SECRET_NAME,
        BACKUP_FOLDER,
        backup_files.FOLDER,
        attachments_folder(Path("d")).name,
    ):
        assert name in paths.APP_ENTRIES
    assert paths.log_dir(Path("d"), explicit=True).name in paths.APP_ENTRIES


@posix_only
@pytest.mark.slow
def test_the_launcher_tightens_an_older_data_folder_at_start(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "backups").mkdir()
    os.chmod(data_dir, LOOSE_FOLDER)
    os.chmod(data_dir / "backups", LOOSE_FOLDER)
    first, _ = start_app(tmp_path, "--headless", "--data-dir", str(data_dir))
    stop(first, signal.SIGTERM)
    for path in (data_dir, data_dir / "backups"):
        os.chmod(path, LOOSE_FOLDER)
    (data_dir / DATABASE_NAME).chmod(0o644)
    proc, _ = start_app(tmp_path, "--headless", "--data-dir", str(data_dir))
    stop(proc, signal.SIGTERM)
    assert mode(data_dir) == 0o700
    assert mode(data_dir / "backups") == 0o700
    assert mode(data_dir / DATABASE_NAME) == 0o600


# -- the browser's way in ----------------------------------------------------------------------


def test_the_browser_page_is_private_redirects_to_the_launch_url_and_goes_once_used(tmp_path):
    tokens = LaunchTokens()
    url = "http://127.0.0.1:5000" + launch_path(tokens, "/activities")
    pages = browser_open.BrowserPages(tmp_path, tokens)
    page = pages.write(url)
    if os.name == "posix":
        assert mode(page) == 0o600
    target = re.search(r'content="0;url=([^"]+)"', page.read_text()).group(1)
    assert target.replace("&amp;", "&") == f"{url}&{HOP_PARAM}=1"
    token = re.search(r"token=([^&]+)", url).group(1)
    time.sleep(2 * browser_open.POLL_SECONDS)
    assert page.exists()  # not used yet
    assert tokens.redeem(token)
    deadline = time.monotonic() + 5
    while page.exists():
        assert time.monotonic() < deadline, "the used page was not deleted"
        time.sleep(0.05)


def test_pages_still_waiting_go_when_the_app_stops(tmp_path):
    tokens = LaunchTokens()
    pages = browser_open.BrowserPages(tmp_path, tokens)
    for _ in range(2):
        pages.write("http://127.0.0.1:5000" + launch_path(tokens))
    (tmp_path / "keep.html").write_text("not ours")
    pages.remove_all()
    assert [p.name for p in tmp_path.iterdir()] == ["keep.html"]


def test_the_browser_is_started_with_the_page_never_the_launch_url(tmp_path, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr(browser_open.webbrowser, "open", lambda url: opened.append(url) or True)
    tokens = LaunchTokens()
    url = "http://127.0.0.1:5000" + launch_path(tokens)
    assert browser_open.BrowserPages(tmp_path, tokens).open(url)
    [started] = opened
    assert started.startswith("file://") and "token" not in started


def test_a_launch_url_from_the_page_continues_from_a_page_of_the_app(app, anonymous):
    tokens = app.extensions["otj"].launch_tokens
    response = anonymous.get(launch_path(tokens, "/activities") + f"&{HOP_PARAM}=1")
    assert response.status_code == 200  # not a redirect: see web/security.py
    assert '<meta http-equiv="refresh" content="0;url=/activities">' in response.text
    assert anonymous.get("/activities").status_code == 200  # signed in
    plain = anonymous.get(launch_path(tokens, "/activities"))
    assert plain.status_code == 302  # every other launch redirects as before


@pytest.mark.slow
def test_a_real_browser_opened_on_the_page_ends_up_signed_in(app, live_server, context, tmp_path):
    tokens = app.extensions["otj"].launch_tokens
    page_file = browser_open.BrowserPages(tmp_path, tokens).write(
        live_server.base_url + launch_path(tokens, "/about")
    )
    page = context.new_page()
    page.goto(page_file.as_uri())
    page.wait_for_url(f"{live_server.base_url}/about")
    page.get_by_role("heading", name="About OTJ Desktop").wait_for()
    page.close()
    deadline = time.monotonic() + 5
    while page_file.exists():
        assert time.monotonic() < deadline
        time.sleep(0.05)


@pytest.mark.slow
def test_a_second_launch_opens_the_running_apps_page_not_its_launch_url(tmp_path):
    import subprocess

    data_dir = tmp_path / "data"
    first, _ = start_app(tmp_path, "--headless", "--data-dir", str(data_dir))
    fake = tmp_path / "fake-browser"
    log = tmp_path / "opened.log"
    fake.write_text(f'#!/bin/sh\necho "$1" >> "{log}"\n')
    fake.chmod(0o755)
    try:
        second = subprocess.run(
            [sys.executable, "-m", "otj_desktop", "--data-dir", str(data_dir)],
            capture_output=True,
            text=True,
            timeout=30,
            env=app_env(tmp_path, DISPLAY=":0", BROWSER=str(fake)),
        )
        assert second.returncode == 0, second.stderr
        [opened] = log.read_text().splitlines()
        assert opened.startswith("file://") and "token" not in opened
        page = Path(opened.removeprefix("file://"))
        assert page.parent == data_dir
        if os.name == "posix":
            assert mode(page) == 0o600
        Browserless(re.search(r'url=([^"]+)"', page.read_text()).group(1).replace("&amp;", "&"))
        deadline = time.monotonic() + 5
        while page.exists():  # used: the running app deleted it
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        stop(first, signal.SIGTERM)
