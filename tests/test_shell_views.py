"""What pages may ask of the desktop shell (new windows), the single-instance endpoint, About."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from otj_desktop.web.context import DesktopBridge
from tests.conftest import activity_form

ENDPOINT = "/shell/instance/open-window"
SECRET = "s3cret-for-tests"


@pytest.fixture
def opened(app) -> list[str]:
    """Paths the (fake) shell was asked to open; the app behaves as if it has windows."""
    paths: list[str] = []

    def open_window(path: str) -> bool:
        paths.append(path)
        return True

    app.extensions["otj"].desktop = DesktopBridge(open_window=open_window, has_windows=True)
    return paths


def test_a_page_opens_a_new_window_with_a_csrf_protected_post(client, opened):
    response = client.post(
        "/shell/new-window", {"path": "/activities"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.get_json() == {"opened": True}
    assert opened == ["/activities"]


def test_a_new_window_request_without_the_csrf_token_is_refused(client, opened):
    response = client.client.post("/shell/new-window", data={"path": "/"})
    assert response.status_code == 400
    assert opened == []


def test_only_app_paths_can_be_opened_in_a_window(client, opened):
    for path in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        client.post("/shell/new-window", {"path": path}, headers={"Accept": "application/json"})
    assert opened == ["/", "/", "/"]


def test_without_windows_a_page_is_told_no(client):
    response = client.post(
        "/shell/new-window", {"path": "/"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 409
    assert response.get_json() == {"opened": False}
    form_post = client.post("/shell/new-window", {"path": "/", "return_to": "/activities"})
    assert form_post.status_code == 303
    assert form_post.headers["Location"] == "/activities"
    page = client.get("/activities").get_data(as_text=True)
    assert "only available in the OTJ Desktop app" in page


def test_window_commands_show_only_when_there_are_windows(app, client, with_standard):
    without = client.get("/").get_data(as_text=True)
    assert "New window" not in without
    assert 'data-desktop="windows"' not in without
    app.extensions["otj"].desktop = DesktopBridge(has_windows=True)
    page = client.get("/").get_data(as_text=True)
    assert 'data-desktop="windows"' in page
    assert re.search(r'<form[^>]+action="/shell/new-window"[^>]+data-new-window>', page)
    assert "Open in new window" not in page  # the dashboard is not one of those pages


def test_activity_ksb_and_standard_pages_offer_open_in_new_window(app, client, with_standard):
    app.extensions["otj"].desktop = DesktopBridge(has_windows=True)
    client.post("/activities/new", activity_form())
    activity_page = client.get("/activities/1").get_data(as_text=True)
    assert "Open in new window" in activity_page
    assert '<input type="hidden" name="path" value="/activities/1">' in activity_page
    standard_page = client.get("/standard").get_data(as_text=True)
    assert "Open in new window" in standard_page
    assert '<input type="hidden" name="path" value="/standard">' in standard_page
    ksb_page = client.get("/ksbs/1?page=1").get_data(as_text=True)
    assert "Open in new window" in ksb_page
    assert '<input type="hidden" name="path" value="/ksbs/1?page=1">' in ksb_page


def test_the_single_instance_endpoint_refuses_requests_without_the_secret(app, anonymous, opened):
    app.config["INSTANCE_SECRET"] = SECRET
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": SECRET}):
        response = anonymous.post(ENDPOINT, json={"path": "/"}, headers=headers)
        assert response.status_code == 403
    assert opened == []


def test_the_single_instance_endpoint_is_refused_when_no_secret_was_set(anonymous, opened):
    response = anonymous.post(ENDPOINT, json={}, headers={"Authorization": "Bearer "})
    assert response.status_code == 403
    assert opened == []


def test_a_second_launch_with_the_secret_gets_a_window(app, anonymous, opened):
    app.config["INSTANCE_SECRET"] = SECRET
    response = anonymous.post(
        ENDPOINT, json={"path": "/activities"}, headers={"Authorization": f"Bearer {SECRET}"}
    )
    assert response.status_code == 200
    assert response.get_json() == {"opened": True}
    assert opened == ["/activities"]


def test_without_windows_a_second_launch_gets_a_working_launch_url(app, anonymous):
    app.config["INSTANCE_SECRET"] = SECRET
    response = anonymous.post(
        ENDPOINT, json={"window": True}, headers={"Authorization": f"Bearer {SECRET}"}
    )
    answer = response.get_json()
    assert answer["opened"] is False
    # For its browser: a 0600 page in the data folder that redirects (browser_open.py).
    page = Path(answer["browser_page"])
    assert page.parent == app.extensions["otj"].data_dir
    assert answer["launch_url"].replace("&", "&amp;") in page.read_text()
    launch = answer["launch_url"].removeprefix("http://localhost")
    assert anonymous.get(launch).status_code == 302


def test_a_headless_second_launch_gets_the_launch_url_and_no_page(app, anonymous):
    app.config["INSTANCE_SECRET"] = SECRET
    response = anonymous.post(
        ENDPOINT, json={"window": False}, headers={"Authorization": f"Bearer {SECRET}"}
    )
    assert response.get_json().keys() == {"opened", "launch_url"}
    assert not list(app.extensions["otj"].data_dir.glob("open-otj-desktop-*.html"))


def test_about_shows_version_data_folder_and_log_file(app, client, tmp_path):
    from otj_desktop import __version__

    app.config["LOG_FILE"] = str(tmp_path / "logs" / "otj-desktop.log")
    page = client.get("/about").get_data(as_text=True)
    assert "<title>About — OTJ Desktop</title>" in page
    assert f'data-testid="about-version">{__version__}<' in page
    assert str(app.extensions["otj"].data_dir) in page
    assert str(tmp_path / "logs" / "otj-desktop.log") in page


def test_the_page_script_is_served_from_the_app_itself(client):
    page = client.get("/activities").get_data(as_text=True)
    assert '<script src="/static/js/shell.js" defer></script>' in page
    script = client.get("/static/js/shell.js")
    assert script.status_code == 200
    assert b"/shell/new-window" in script.data
    assert b"X-CSRFToken" in script.data
