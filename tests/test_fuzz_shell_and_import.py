"""Property-based tests of what pages and a second launch may ask of the shell (a new window,
the single-instance endpoint's JSON), and of confirming or cancelling an import, with random
and hostile input.

Besides what every fuzzed endpoint must do (:func:`tests.fuzz_helpers.post_checked`), the
shell is only ever asked to open the app's own pages, the single-instance endpoint answers
nobody without the secret, and an import changes the data only when a parked, checked export
is confirmed.
"""

from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from otj_desktop.instance import ENDPOINT
from otj_desktop.web.context import DesktopBridge
from tests.archive_helpers import export, filled_database, fingerprint
from tests.fuzz_helpers import fuzz_settings, fuzzes, hostile_text, post_checked
from tests.test_fuzz_forms import json_values

SECRET = "s3cret-for-the-fuzz-tests"


def is_app_path(path: str) -> bool:
    return path.startswith("/") and not path.startswith("//") and "\\" not in path


paths = st.one_of(
    st.sampled_from(
        [
            "/",
            "/activities/1",
            "//evil.example/",
            "https://evil.example/",
            "/\\evil.example",
            "javascript:alert(1)",
            "/launch?token=x&next=//evil",
            "",
        ]
    ),
    st.builds(lambda s: "/" + s, hostile_text),
    hostile_text,
)


@fuzzes("security.launch")
@fuzz_settings(100)
@given(
    real_token=st.booleans(),
    token=hostile_text,
    next_path=st.one_of(st.none(), paths),
    hop=st.one_of(st.none(), hostile_text),
)
def test_fuzz_launch_urls(app, anonymous, real_token, token, next_path, hop):
    """Only a token the app minted signs in, once; wherever ``next`` points, the window lands
    on one of the app's own pages."""
    tokens = app.extensions["otj"].launch_tokens
    if real_token:
        token = tokens.mint()
    args = {"token": token}
    if next_path is not None:
        args["next"] = next_path
    if hop is not None:
        args["hop"] = hop

    response = anonymous.get("/launch", query_string=args)

    if not real_token:
        assert response.status_code == 403
        return
    assert not tokens.pending(token)  # used up
    if hop:  # the page that continues in this window (see web/security.py)
        assert response.status_code == 200
        target = re.search(r'content="0;url=([^"]*)"', response.get_data(as_text=True))
        assert target and is_app_path(html.unescape(target.group(1)))
    else:
        assert response.status_code == 302
        assert is_app_path(response.headers["Location"])


@fuzzes("shell.new_window")
@fuzz_settings(80)
@given(
    form=st.fixed_dictionaries({}, optional={"path": paths, "return_to": paths}),
    accept=st.sampled_from(["application/json", "text/html", "*/*"]),
    windows=st.booleans(),
)
def test_fuzz_new_window_requests(client, app, form, accept, windows):
    opened: list[str] = []
    app.extensions["otj"].desktop = DesktopBridge(
        has_windows=windows, open_window=lambda path: opened.append(path) or windows
    )

    response = post_checked(
        client,
        app.extensions["otj"].db,
        "/shell/new-window",
        form,
        headers={"Accept": accept},
        ok=(200, 303),
    )

    assert all(is_app_path(path) for path in opened), opened
    if response.status_code == 303:
        assert is_app_path(response.headers["Location"])
    else:
        assert json.loads(response.data) == {"opened": response.status_code == 200}


authorizations = st.one_of(
    st.just(f"Bearer {SECRET}"),
    st.just(f"Bearer {SECRET}"),
    st.sampled_from(["", "Bearer", "Bearer ", SECRET, f"bearer {SECRET}", f"Bearer {SECRET} "]),
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60),
)
instance_bodies = st.one_of(
    st.fixed_dictionaries(
        {}, optional={"path": st.one_of(paths, json_values), "window": json_values}
    ),
    json_values,
)


@fuzzes("shell.instance_open_window")
@fuzz_settings(80)
@given(
    authorization=authorizations,
    body=instance_bodies,
    as_json=st.booleans(),
    windows=st.booleans(),
)
def test_fuzz_the_single_instance_endpoint(app, anonymous, authorization, body, as_json, windows):
    """A second launch's request, and anything pretending to be one: only the secret opens
    anything, and only the app's own pages."""
    app.config["INSTANCE_SECRET"] = SECRET
    opened: list[str] = []
    app.extensions["otj"].desktop = DesktopBridge(
        has_windows=windows, open_window=lambda path: opened.append(path) or windows
    )
    db = app.extensions["otj"].db
    before = fingerprint(db)
    raw = json.dumps(body)
    response = anonymous.post(
        ENDPOINT,
        data=raw.encode(),
        content_type="application/json" if as_json else "text/plain",
        headers={"Authorization": authorization},
    )

    assert fingerprint(db) == before
    answer = json.loads(response.data)
    if authorization != f"Bearer {SECRET}":
        assert response.status_code == 403 and opened == []
        return
    assert response.status_code == 200
    assert all(is_app_path(path) for path in opened), opened
    if answer["opened"]:
        assert answer == {"opened": True} and len(opened) == 1
        return
    launch = urlsplit(answer["launch_url"])
    assert (launch.scheme, launch.netloc, launch.path) == ("http", "localhost", "/launch")
    assert is_app_path(parse_qs(launch.query)["next"][0])


@pytest.fixture(scope="module")
def good_export(tmp_path_factory) -> bytes:
    return export(filled_database(tmp_path_factory.mktemp("source")))


tokens = st.one_of(
    st.just("parked"),
    st.just("parked"),
    st.text(alphabet="0123456789abcdef", min_size=32, max_size=32),
    st.sampled_from(["", "..", "../otj.sqlite3", "0" * 31, "0" * 33, "A" * 32, "%00"]),
    hostile_text,
)


@fuzzes("archive.confirm", "archive.cancel")
@fuzz_settings(30)
@given(token=tokens, action=st.sampled_from(["confirm", "cancel"]), extra=json_values)
def test_fuzz_confirming_and_cancelling_an_import(client, app, good_export, token, action, extra):
    db = app.extensions["otj"].db
    parking = Path(app.extensions["otj"].data_dir) / "imports"
    if token == "parked":
        uploaded = client.post(
            "/data/import",
            {"archive": (io.BytesIO(good_export), "export.zip")},
            content_type="multipart/form-data",
        )
        token = uploaded.headers["Location"].rsplit("/", 1)[1]
        assert (parking / f"{token}.zip").is_file()
    # (Only a token that could be one is looked for: a long one is too long for a file name.)
    parked = bool(re.fullmatch("[0-9a-f]{32}", token)) and (parking / f"{token}.zip").is_file()
    before = fingerprint(db)
    path = f"/data/import/{quote(token, safe='')}" + ("/cancel" if action == "cancel" else "")

    # 308: the router's own redirect for an empty token ("//cancel" merged into "/cancel").
    response = post_checked(client, db, path, {"stray": json.dumps(extra)}, ok=(302, 308, 405))

    event(f"{'parked' if parked else 'not parked'} {action}")
    if parked:
        assert response.status_code == 302
        assert not (parking / f"{token}.zip").exists()  # imported or cancelled: not kept
    if not (parked and action == "confirm"):
        assert fingerprint(db) == before
    assert not parking.exists() or list(parking.iterdir()) == []  # nothing left parked
