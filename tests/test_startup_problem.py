"""The start-up problem page (no window): what it says, its buttons, and the same protections
as the app's own pages."""

from __future__ import annotations

import re
import threading

import pytest

from otj_desktop.startup_problem import Problem, RestoreFailed, _Outcome, problem_app
from otj_desktop.web.security import CONTENT_SECURITY_POLICY, LaunchTokens, launch_path

HOST = "127.0.0.1:5000"


class Recovery:
    def __init__(self, fail: bool = False) -> None:
        self.calls = 0
        self.fail = fail

    def __call__(self) -> str:
        self.calls += 1
        if self.fail:
            raise RestoreFailed(
                "The backup could not be restored (disk full); nothing was deleted."
            )
        return "Restored the backup from 27 Nov 2026 09:00."


def make(problem: Problem, *, in_window: bool = True):
    tokens = LaunchTokens()
    outcome = _Outcome(threading.Event())
    app = problem_app(problem, outcome, tokens, in_window=in_window)
    app.config["ALLOWED_HOSTS"] = (HOST,)
    client = app.test_client()
    return app, client, outcome, tokens


def sign_in(client, tokens) -> str:
    assert client.get(launch_path(tokens), headers={"Host": HOST}).status_code == 302
    page = client.get("/", headers={"Host": HOST})
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    return page.text


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_the_page_needs_its_launch_url_and_the_apps_host():
    _, client, _, tokens = make(Problem("Port 8 is already in use by another program.", 2))
    assert client.get("/", headers={"Host": HOST}).status_code == 403
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 403
    page = sign_in(client, tokens)
    assert "Port 8 is already in use by another program." in page
    assert "<title>Could not start — OTJ Desktop</title>" in page
    assert re.findall(r"<button[^>]*>([^<]+)</button>", page) == ["Quit"]
    assert "<script" not in page and "style=" not in page


def test_a_damaged_database_offers_restore_once_and_says_what_it_did():
    recovery = Recovery()
    problem = Problem("…run: otj-desktop --restore-latest-backup", 3, "Damaged.", recovery)
    _, client, outcome, tokens = make(problem)
    page = sign_in(client, tokens)
    assert "Damaged." in page and "--restore-latest-backup" not in page  # no command to type
    assert re.findall(r"<button[^>]*>([^<]+)</button>", page) == [
        "Restore the newest good backup",
        "Quit",
    ]
    refused = client.post("/restore", headers={"Host": HOST})  # no CSRF token
    assert refused.status_code == 400 and recovery.calls == 0
    done = client.post("/restore", data={"csrf_token": csrf(page)}, headers={"Host": HOST})
    assert done.status_code == 200
    assert "Restored the backup from 27 Nov 2026 09:00. OTJ Desktop is starting" in done.text
    assert outcome.chosen.is_set() and outcome.restored
    again = client.post("/restore", data={"csrf_token": csrf(page)}, headers={"Host": HOST})
    assert again.status_code == 200 and recovery.calls == 1


def test_a_failed_restore_says_so_and_leaves_the_choice_open():
    recovery = Recovery(fail=True)
    _, client, outcome, tokens = make(Problem("Damaged.", 3, restore=recovery))
    page = sign_in(client, tokens)
    failed = client.post("/restore", data={"csrf_token": csrf(page)}, headers={"Host": HOST})
    assert failed.status_code == 500
    assert "could not be restored (disk full); nothing was deleted." in failed.text
    assert not outcome.chosen.is_set()
    quit_page = client.post("/quit", data={"csrf_token": csrf(page)}, headers={"Host": HOST})
    assert "You can close this window." in quit_page.text
    assert outcome.chosen.is_set() and not outcome.restored


@pytest.mark.parametrize("in_window", [True, False])
def test_in_a_browser_with_nothing_to_choose_the_page_has_no_buttons(in_window):
    _, client, _, tokens = make(Problem("The data folder is a file.", 2), in_window=in_window)
    page = sign_in(client, tokens)
    assert ("<button" in page) is in_window
    assert ("You can close this page." in page) is not in_window
