"""Every endpoint that takes input has a fuzz test (audit item 7).

Fuzz tests say which endpoints they cover with ``@fuzzes("area.view")``
(:func:`tests.fuzz_helpers.fuzzes`); this compares those marks with the app's URL map. A new
endpoint that accepts POST (or PUT, PATCH, DELETE), or a GET view that reads its query string
(``request.args`` in its source: the list's filters once gave 500s that no test sent), without
a fuzz test fails here, naming it:
add a property-based test to one of the ``tests/test_fuzz_*.py`` files (see
:func:`tests.fuzz_helpers.post_checked` for the checks every endpoint must pass).
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

from otj_desktop.web import create_app

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
HERE = Path(__file__).parent

# Fuzzed by a test that cannot carry the mark: endpoint -> (module, test, the path it posts to).
FUZZED_ELSEWHERE = {
    # The upload is fuzzed with spoilt exports next to the archive's own fuzz tests.
    "archive.upload": (
        "tests.test_fuzz_archive",
        "test_fuzz_uploads_through_the_app",
        "/data/import",
    ),
    # Any Last-Event-ID, in the header or the query string, next to the stream's own tests.
    "events.event_stream": (
        "tests.test_last_event_id",
        "test_fuzz_the_stream_opens_whatever_id_it_is_given",
        "/events/stream",
    ),
}


def endpoints_taking_input(tmp_path) -> set[str]:
    app = create_app({"DATA_DIR": tmp_path / "data", "TESTING": True})
    try:
        return {
            rule.endpoint
            for rule in app.url_map.iter_rules()
            if rule.methods
            and (
                rule.methods & UNSAFE_METHODS
                or "request.args" in inspect.getsource(app.view_functions[rule.endpoint])
            )
        }
    finally:
        app.extensions["otj"].broker.close()
        app.extensions["otj"].db.release()


def marked_endpoints() -> dict[str, list[str]]:
    """Endpoint -> the fuzz tests marked as covering it."""
    found: dict[str, list[str]] = {}
    for path in sorted(HERE.glob("test_fuzz_*.py")):
        module = importlib.import_module(f"tests.{path.stem}")
        for name, test in vars(module).items():
            if name.startswith("test_") and getattr(test, "__module__", None) == module.__name__:
                for endpoint in getattr(test, "fuzzed_endpoints", ()):
                    found.setdefault(endpoint, []).append(f"{path.name}::{name}")
    return found


def test_every_form_and_json_endpoint_has_a_fuzz_test(tmp_path):
    covered = set(marked_endpoints()) | set(FUZZED_ELSEWHERE)

    missing = endpoints_taking_input(tmp_path) - covered

    assert not missing, f"endpoints taking input without a fuzz test: {sorted(missing)}"


def test_every_mark_names_a_real_endpoint(tmp_path):
    """A typo in a mark would otherwise hide an endpoint that is not fuzzed after all."""
    unknown = set(marked_endpoints()) - endpoints_taking_input(tmp_path)

    assert not unknown, f"marks naming no endpoint that takes input: {sorted(unknown)}"


def test_the_tests_fuzzing_elsewhere_exist_and_post_there():
    for module_name, test_name, path in FUZZED_ELSEWHERE.values():
        test = getattr(importlib.import_module(module_name), test_name)
        assert f'"{path}"' in inspect.getsource(test)
