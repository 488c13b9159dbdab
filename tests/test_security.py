"""Only the app's own windows get in: launch secret, Host check, CSRF, CSP, size limits."""

from __future__ import annotations

import pytest

from otj_desktop.web.security import LaunchTokens, launch_path, safe_next
from tests.conftest import activity_form


@pytest.mark.parametrize(
    "path", ["/", "/activities", "/activities/new", "/standard", "/profile", "/events/stream"]
)
def test_pages_without_the_window_cookie_get_403(anonymous, path):
    response = anonymous.get(path)
    assert response.status_code == 403
    assert "only available inside OTJ Desktop" in response.get_data(as_text=True)


def test_posts_without_the_window_cookie_get_403_and_write_nothing(anonymous, app, with_standard):
    response = anonymous.post("/activities/new", data=activity_form())
    assert response.status_code == 403
    with app.extensions["otj"].db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM activity").fetchone()[0] == 0


def test_static_files_need_no_cookie(anonymous):
    assert anonymous.get("/static/css/app.css").status_code == 200


def test_launch_token_signs_in_once_and_redirects_to_a_clean_url(app):
    path = launch_path(app.extensions["otj"].launch_tokens, "/activities")
    first = app.test_client()
    response = first.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/activities"
    set_cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie
    assert first.get("/activities").status_code == 200
    second = app.test_client()
    assert second.get(path).status_code == 403  # one-time
    assert second.get("/activities").status_code == 403


def test_made_up_launch_token_is_refused(anonymous):
    assert anonymous.get("/launch?token=guess&next=/").status_code == 403


def test_launch_tokens_expire():
    tokens = LaunchTokens(ttl_seconds=-1)
    assert tokens.redeem(tokens.mint()) is False


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/activities?page=2", "/activities?page=2"),
        ("//evil.example/", "/"),
        ("https://evil.example", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
        (None, "/"),
        ("activities", "/"),
    ],
)
def test_launch_only_redirects_within_the_app(raw, expected):
    assert safe_next(raw) == expected


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.evil.example", "attacker.test:5000"])
def test_wrong_host_header_is_refused(client, host):
    response = client.get("/", headers={"Host": host})
    assert response.status_code == 403
    assert response.get_data(as_text=True) == "Unknown host."


def test_cross_site_post_is_refused_even_with_a_token(client, app, with_standard):
    token = client.csrf_token()
    response = client.client.post(
        "/activities/new",
        data={**activity_form(), "csrf_token": token},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
    with app.extensions["otj"].db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM activity").fetchone()[0] == 0


def test_post_without_csrf_token_is_refused(client, app, with_standard):
    response = client.client.post("/activities/new", data=activity_form())
    assert response.status_code == 400
    assert "nothing was saved" in response.get_data(as_text=True)


def test_post_with_csrf_token_header_is_accepted(client, with_standard):
    token = client.csrf_token()
    response = client.client.post(
        "/activities/new", data=activity_form(), headers={"X-CSRFToken": token}
    )
    assert response.status_code == 302


def test_csp_allows_only_self_on_every_response(client, anonymous):
    for response in (client.get("/"), client.get("/static/css/app.css"), anonymous.get("/")):
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "http" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_reference_no_other_origin(client, with_standard):
    for path in ("/", "/activities", "/activities/new", "/standard", "/profile", "/setup"):
        page = client.get(path).get_data(as_text=True)
        assert "http://" not in page and "https://" not in page, path
