"""Shared pieces of the property-based (fuzz) tests: the hypothesis settings and hostile input.

One fixed profile for every fuzz test, so CI runs the same number of cases every time
(``derandomize``: the same cases, too, so a failure in CI replays locally). For a deeper hunt,
``OTJ_FUZZ_SCALE=10 OTJ_FUZZ_RANDOM=1 pytest tests/test_fuzz*.py`` runs ten times the cases
with fresh random input.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from datetime import date

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from markupsafe import escape

from tests.archive_helpers import fingerprint

SCALE = float(os.environ.get("OTJ_FUZZ_SCALE", "1"))
# What a refusal may answer: bad request, not found, conflict, too large, invalid form.
REFUSED = (400, 404, 409, 413, 422)
RANDOM = os.environ.get("OTJ_FUZZ_RANDOM") == "1"


def fuzzes(*endpoints: str) -> Callable:
    """Mark a fuzz test as covering these Flask endpoints (``"tags.rename"``).

    ``tests/test_fuzz_coverage.py`` checks every form and JSON endpoint of the app against
    these marks, so a new POST endpoint without a fuzz test fails the suite.
    """

    def mark(test: Callable) -> Callable:
        test.fuzzed_endpoints = (*getattr(test, "fuzzed_endpoints", ()), *endpoints)
        return test

    return mark


def fuzz_settings(examples: int) -> settings:
    """The fixed fuzz profile with ``examples`` cases (times ``OTJ_FUZZ_SCALE``)."""
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        derandomize=not RANDOM,
        database=None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,  # one app per test; its data grows as it runs
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


# Strings that have broken web apps before: markup and script, SQL, template syntax, paths,
# numbers that are not numbers, invisible and direction-changing characters, odd Unicode.
HOSTILE_STRINGS = [
    "",
    " ",
    "   \t  ",
    "\x00",
    "\x00\x01\x02\x1f\x7f",
    "\r\n\r\n",
    "\u2028\u2029",
    "\ufeff",
    "\u202eevil\u202c",
    "\u200b",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "';alert(String.fromCharCode(88,83,83))//",
    "javascript:alert(1)",
    "<svg/onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "&lt;b&gt; &amp;amp;",
    "'; DROP TABLE activity; --",
    "Robert'); DROP TABLE activity;--",
    "1 OR 1=1",
    '" OR ""="',
    "%",
    "_",
    "{{ 7*7 }}",
    "{% raw %}",
    "${7*7}",
    "../../../../etc/passwd",
    "..\\..\\..\\windows\\win.ini",
    "%2e%2e%2f%2e%2e%2f",
    "/dev/null",
    "C:\\",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1e309",
    "-1e309",
    "1e-309",
    "-0",
    "0x1p4",
    "1_000",
    "１２",
    "٣",
    "9" * 400,
    "ß",
    "İ",
    "e\u0301",
    "Ǆ",
    "😀" * 10,
    "a" * 201,
    "x" * 20_001,
]

hostile_text = st.one_of(
    st.sampled_from(HOSTILE_STRINGS),
    st.text(max_size=60),
    st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=30),
    st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE_STRINGS), st.text(max_size=20)),
)

numberish = st.one_of(
    st.sampled_from(["0.25", "1", "1.5", "2.5", "24", "24.25", "0", "-1", "0.3", "1,5", " 2 "]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=True).map(str),
    hostile_text,
)

dateish = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
    st.sampled_from(["2026-02-30", "2026-13-01", "0000-00-00", "9999-12-31", "27/11/2026"]),
    hostile_text,
)

# Dates a plan can only just have, or not: the ends of what the app takes (1990 to 2099, a
# practical period at most 10 years long) and of the calendar (audit item 1).
plan_dateish = st.one_of(
    dateish,
    st.sampled_from(
        ["1989-12-31", "1990-01-01", "2099-12-31", "2100-01-01", "9999-12-31", "0001-01-01"]
    ),
    st.dates(min_value=date(1985, 1, 1), max_value=date(2115, 1, 1)).map(date.isoformat),
)


def json_documents(leaves, keys=hostile_text, *, max_size: int = 3, max_leaves: int = 8):
    """JSON-shaped values: ``leaves``, and lists and objects (with ``keys``) of them."""

    # A named function, not a lambda: hypothesis reads its source to check that it uses its
    # argument, and a lambda wrapped over several lines reads as if it did not.
    def containers(children):
        return st.lists(children, max_size=max_size) | st.dictionaries(
            keys, children, max_size=max_size
        )

    return st.recursive(leaves, containers, max_leaves=max_leaves)


timeish = st.one_of(
    st.times().map(lambda t: t.strftime("%H:%M")),
    st.sampled_from(["24:00", "23:60", "9:5", "", "12:00:00"]),
    hostile_text,
)


_OWN_SCRIPT = re.compile(r'<script src="/static/[\w./-]+"(?: defer| type="module")*>')
_QUOTED = re.compile(r'"[^"<>]*"')
_EVENT_HANDLER = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def assert_rendered_escaped(page: str, values: Iterable[str]) -> None:
    """Stored text shows up escaped, and nothing in the page became markup.

    The templates have no inline handlers, and their only scripts are ``<script src=...>``
    tags loading the app's own static files; any other ``<script`` is an injection that got
    through.
    """
    # Quoted attribute values are left out: escaped text there (value=" onload=x") is inert,
    # and an injected quote would have been escaped, so it cannot end one early.
    assert not _EVENT_HANDLER.search(_QUOTED.sub('""', page)), "an on* handler appeared"
    scripts = re.findall(r"<script\b[^>]*>", page, re.IGNORECASE)
    assert all(_OWN_SCRIPT.fullmatch(tag) for tag in scripts), "a script tag appeared"
    for value in values:
        if value:
            assert str(escape(value)) in page, f"{value[:40]!r} not shown escaped"


def csrf_token(client) -> str:
    """The session's CSRF token, read once per client (it stays valid for the whole session)."""
    if not hasattr(client, "fuzz_csrf_token"):
        client.fuzz_csrf_token = client.csrf_token()
    return client.fuzz_csrf_token


def post_checked(client, db, path: str, data: dict | None = None, *, ok: Iterable[int], **kwargs):
    """POST hostile input and check what every endpoint must do whatever it is sent.

    The status is one of ``ok`` or a refusal (:data:`REFUSED`); a refusal changed nothing in the
    database (every row compared); no page that came back carries injected markup. (A server
    error fails by itself: the test app raises it.) Returns the response.
    """
    data = {**(data or {}), "csrf_token": csrf_token(client)}
    before = fingerprint(db)
    response = client.client.post(path, data=data, **kwargs)
    event(f"{response.status_code}")
    assert response.status_code in (*ok, *REFUSED), (path, response.status_code)
    if response.status_code in REFUSED:
        assert fingerprint(db) == before, f"{path} refused ({response.status_code}) but wrote"
    if response.mimetype == "text/html":
        assert_rendered_escaped(response.get_data(as_text=True), [])
    return response


def shown_statement(ksb) -> str:
    """What the standard pages print of a statement: the part after an imported title's colon."""
    if ksb.title and ksb.statement.startswith(ksb.title + ":"):
        return ksb.statement[len(ksb.title) + 1 :].strip()
    return ksb.statement
