"""``otj-desktop --self-test``: prove that this copy of the app works, end to end, in a second.

Why it exists: an installer can leave out a template, a migration or a vendored script without
any build step noticing, and a frozen (PyInstaller) build loads its files from ``sys._MEIPASS``
rather than from a source tree. The self-test runs the real thing, the same code path a window
uses, against a throw-away data folder, so CI can run it on the installed package and a user
(or support) can run it on a machine where the app misbehaves. It never touches the user's data.

What it does, in order:

1. checks the bundled data is there: numbered migrations, the standards catalogue, templates,
   static files (and, when frozen, that each of them is loaded from inside the bundle);
2. builds the app on a fresh temporary data folder, which creates the database and migrates it
   to the latest schema;
3. serves it with the real waitress server on a free loopback port, signs in through a one-time
   launch URL, and chooses a bundled standard through a real CSRF-protected POST;
4. requests every page in :data:`MAIN_PAGES`, every file in the static folder and every static
   URL the pages refer to, and reads the first bytes of the event stream;
5. checks the evidence tools whose libraries a bundle could lose: downloads the evidence pack
   PDF (fpdf2 and its font) and makes a thumbnail of each image type attachments accept
   (Pillow's decoders and its WebP encoder);
6. prints one verdict line (also written to the log) and returns 0 (passed) or 1 (failed).

Problems are collected rather than stopping at the first, so one run names everything that is
wrong; each is printed on stderr and logged, and the verdict names the first of them.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import logging
import os
import re
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from otj_desktop import APP_NAME, __version__

log = logging.getLogger("otj_desktop.selftest")

# Every main page of the app, requested after a standard has been chosen. A feature that adds a
# page adds it here (tests/test_selftest.py fails while a parameterless GET page is missing).
MAIN_PAGES: tuple[str, ...] = (
    "/",
    "/activities",
    "/activities/new",
    "/ksbs",
    "/tags",
    "/activities/deleted",
    "/activities/deleted/empty",
    "/evidence-pack",
    "/backups",
    "/about",
    "/standard",
    "/profile",
    "/setup",
    "/readiness",
    "/checks",
    "/templates",
    "/templates/new",
)

EVENT_STREAM = "/events/stream"
REQUEST_TIMEOUT = 10.0
# Files every page needs, checked by name so that a bundle missing them fails even if no page
# happened to reference them (paths inside the static folder).
REQUIRED_STATIC: tuple[str, ...] = ("css/app.css", "js/live.js", "vendor/chartjs/chart.umd.min.js")

_STATIC_REF = re.compile(r"""(?:src|href)="(/static/[^"?#]+)""")
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@dataclass
class Report:
    """What the self-test found: counts of what passed, and each problem as a sentence."""

    problems: list[str] = field(default_factory=list)
    pages: int = 0
    static_files: int = 0
    migrations: int = 0
    standards: int = 0
    stream: bool = False
    evidence_tools: bool = False
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.problems

    def problem(self, text: str) -> None:
        self.problems.append(text)
        log.error("Self-test problem: %s", text)

    def verdict(self) -> str:
        """The one line the self-test ends with."""
        build = "frozen" if getattr(sys, "frozen", False) else "source"
        who = f"{APP_NAME} {__version__} ({build})"
        if self.passed:
            return (
                f"Self-test passed: {who}, {self.pages} pages, {self.static_files} static files, "
                f"event stream, PDF and thumbnails, {self.migrations} migrations, "
                f"{self.standards} bundled standards, in {self.seconds:.1f} s"
            )
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        return f"Self-test FAILED: {who}: {self.problems[0]}{more}"


def run() -> Report:
    """Run every check against a temporary data folder and return the report."""
    report = Report()
    started = time.perf_counter()
    _check_bundled_data(report)
    with tempfile.TemporaryDirectory(prefix="otj-selftest-", ignore_cleanup_errors=True) as tmp:
        try:
            _check_running_app(Path(tmp) / "data", report)
        except Exception as exc:  # the verdict must name anything at all that went wrong
            log.exception("Self-test stopped early")
            report.problem(f"the app could not be started ({type(exc).__name__}: {exc})")
    report.seconds = time.perf_counter() - started
    return report


def main(data_dir_arg: str | None = None) -> int:
    """The ``--self-test`` command: log where the app logs, print the verdict, return 0 or 1.

    ``data_dir_arg`` (``--data-dir``) only chooses where the log goes, exactly as for a normal
    start; the checks always run on a fresh temporary folder.
    """
    log_file = _start_logging(data_dir_arg)
    report = run()
    for text in report.problems:
        print(f"  problem: {text}", file=sys.stderr)
    verdict = report.verdict()
    if log_file and not report.passed:
        verdict += f"; details in {log_file}"
    (log.info if report.passed else log.error)("%s", verdict)
    print(verdict, flush=True)
    return 0 if report.passed else 1


# -- bundled data --------------------------------------------------------------------------------


def _check_bundled_data(report: Report) -> None:
    from otj_desktop.standards import catalogue
    from otj_desktop.store import migrate

    try:
        report.migrations = len(migrate.available_migrations())
    except Exception as exc:
        report.problem(f"the bundled database migrations cannot be read ({exc})")
    else:
        if report.migrations == 0:
            report.problem("no database migrations are bundled (store/migrations/*.sql)")
    try:
        report.standards = len(catalogue.list_catalogue())
    except Exception as exc:
        report.problem(f"the bundled standards catalogue cannot be read ({exc})")
    else:
        if report.standards == 0:
            report.problem("no bundled standards found (standards/catalogue/*.json)")
    if getattr(sys, "frozen", False):
        _check_inside_bundle(report)


def _check_inside_bundle(report: Report) -> None:
    """In a frozen build every resource must come from the bundle, never from a stray tree.

    Paths are compared as written, not resolved: in a macOS .app the data folders under
    ``sys._MEIPASS`` (Contents/Frameworks) are symlinks into Contents/Resources.
    """
    from importlib import resources

    import otj_desktop.web

    bundle = os.path.abspath(getattr(sys, "_MEIPASS", os.path.dirname(sys.executable)))
    web_root = Path(otj_desktop.web.__file__).parent
    roots = {
        "templates": web_root / "templates",
        "static files": web_root / "static",
        "migrations": Path(str(resources.files("otj_desktop.store") / "migrations")),
        "catalogue": Path(str(resources.files("otj_desktop.standards") / "catalogue")),
    }
    for what, root in roots.items():
        if os.path.commonpath([bundle, os.path.abspath(root)]) != bundle:
            report.problem(f"the {what} load from {root}, outside the bundle {bundle}")
        elif not root.is_dir():
            report.problem(f"the {what} folder is missing from the bundle ({root})")


# -- the running app -----------------------------------------------------------------------------


def _check_running_app(data_dir: Path, report: Report) -> None:
    from otj_desktop.store.migrate import latest_version, schema_version
    from otj_desktop.web.security import launch_path

    with _served_app(data_dir) as (app, base_url):
        state = app.extensions["otj"]
        with state.db.connection() as conn:
            version, latest = schema_version(conn), latest_version()
        if version != latest:
            report.problem(f"the new database is at schema {version}, not {latest}")
        client = _Client(base_url)
        status, page = client.get(launch_path(state.launch_tokens))
        if status != 200:
            report.problem(f"signing in through a launch URL answered {status}")
            return
        _choose_first_standard(client, page, report)
        referenced = _check_pages(client, report)
        _check_static(client, Path(app.static_folder), referenced, report)
        _check_event_stream(base_url, client, report)
        _check_evidence_tools(client, data_dir, report)


@contextmanager
def _served_app(data_dir: Path) -> Iterator[tuple]:
    """The app on a real server, stopped (and its database tidied) however the block ends."""
    from otj_desktop import web
    from otj_desktop.server import AppServer

    app = web.create_app({"DATA_DIR": data_dir})
    server = AppServer(app)
    try:
        yield app, server.start()
    finally:
        server.stop()
        app.extensions["otj"].db.checkpoint_and_close()


def _choose_first_standard(client: _Client, page: str, report: Report) -> None:
    """One real write: pick the first bundled standard, as first-run setup does."""
    from otj_desktop.standards.catalogue import list_catalogue

    entries = list_catalogue() if report.standards else []
    token = _CSRF_META.search(page)
    if not entries or not token:
        report.problem("could not choose a standard (no catalogue entry or no CSRF token)")
        return
    status, _ = client.post(
        "/standards/catalogue", {"key": entries[0].key, "csrf_token": token.group(1)}
    )
    if status != 200:
        report.problem(f"choosing a bundled standard answered {status}")


def _check_pages(client: _Client, report: Report) -> set[str]:
    """Request each main page; return the static URLs they refer to."""
    referenced: set[str] = set()
    for path in MAIN_PAGES:
        status, body = client.get(path)
        landed = urllib.parse.urlsplit(client.last_url).path
        if status != 200:
            report.problem(f"page {path} answered {status}")
        elif landed != path:
            report.problem(f"page {path} redirected to {landed}")
        elif "</html>" not in body:
            report.problem(f"page {path} is not a whole HTML page")
        else:
            report.pages += 1
        referenced.update(_STATIC_REF.findall(body))
    return referenced


def _check_static(client: _Client, folder: Path, referenced: set[str], report: Report) -> None:
    on_disk = {
        "/static/" + item.relative_to(folder).as_posix(): item.stat().st_size
        for item in sorted(folder.rglob("*"))
        if item.is_file()
    }
    for name in REQUIRED_STATIC:
        if "/static/" + name not in on_disk:
            report.problem(f"static file {name} is missing from {folder}")
    for url in sorted(set(on_disk) | referenced):
        status, size = client.fetch_size(url)
        if status != 200:
            report.problem(f"static file {url} answered {status}")
        elif url in on_disk and size != on_disk[url]:
            report.problem(f"static file {url} sent {size} bytes, not {on_disk[url]}")
        else:
            report.static_files += 1


def _check_event_stream(base_url: str, client: _Client, report: Report) -> None:
    """Open the SSE stream with this window's cookie and read its first bytes."""
    host, port = urllib.parse.urlsplit(base_url).netloc.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=REQUEST_TIMEOUT)
    try:
        conn.request("GET", EVENT_STREAM, headers={"Cookie": client.cookie_header()})
        response = conn.getresponse()
        kind = response.getheader("Content-Type", "")
        first = response.read1(64) if response.status == 200 else b""
    except OSError as exc:
        report.problem(f"the event stream could not be read ({exc})")
        return
    finally:
        conn.close()
    if response.status != 200 or not kind.startswith("text/event-stream"):
        report.problem(f"the event stream answered {response.status} {kind}")
    elif not first.startswith(b"retry:"):
        report.problem(f"the event stream began with {first[:20]!r}, not a retry line")
    else:
        report.stream = True


EVIDENCE_PACK_PDF = "/evidence-pack.pdf"


def _check_evidence_tools(client: _Client, data_dir: Path, report: Report) -> None:
    """The evidence pack's PDF through the server, and a thumbnail of each accepted image type."""
    from PIL import Image

    from otj_desktop.store.thumbnails import IMAGE_FORMATS, make_thumbnail

    problems_before = len(report.problems)
    status, pdf = client.get_bytes(EVIDENCE_PACK_PDF)
    if status != 200 or not pdf.startswith(b"%PDF-"):
        report.problem(f"the evidence pack PDF answered {status} with {pdf[:8]!r}")
    for image_format in IMAGE_FORMATS:
        source = data_dir / f"selftest.{image_format.lower()}"
        try:
            Image.new("RGB", (64, 48), (40, 120, 200)).save(source, image_format)
        except Exception as exc:  # an encoder missing from the bundle, say
            report.problem(f"a {image_format} image could not be written ({exc})")
            continue
        try:
            made = make_thumbnail(source, data_dir / f"selftest-{image_format.lower()}.webp")
        except Exception as exc:  # the WebP encoder missing, say
            report.problem(f"making a thumbnail of a {image_format} image failed ({exc!r})")
            continue
        if not made:
            report.problem(f"no thumbnail could be made of a {image_format} image")
    report.evidence_tools = len(report.problems) == problems_before


class _Client:
    """A cookie-keeping HTTP client that follows redirects, like one window without rendering."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.last_url = base_url

    def get(self, path: str) -> tuple[int, str]:
        status, body = self._open(path)
        return status, body.decode("utf-8", "replace")

    def post(self, path: str, form: dict[str, str]) -> tuple[int, str]:
        status, body = self._open(path, urllib.parse.urlencode(form).encode())
        return status, body.decode("utf-8", "replace")

    def get_bytes(self, path: str) -> tuple[int, bytes]:
        return self._open(path)

    def fetch_size(self, path: str) -> tuple[int, int]:
        status, body = self._open(path)
        return status, len(body)

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def _open(self, path: str, data: bytes | None = None) -> tuple[int, bytes]:
        # Always the app's own http://127.0.0.1:PORT followed by an app path.
        request = urllib.request.Request(self.base + path, data=data)  # noqa: S310
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                self.last_url = response.geturl()
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            self.last_url = error.geturl()
            return error.code, error.read()


# -- logging -------------------------------------------------------------------------------------


def _start_logging(data_dir_arg: str | None) -> Path | None:
    """Log to the app's usual log file; the self-test still runs if that is impossible."""
    from otj_desktop import paths
    from otj_desktop.launcher import setup_logging

    try:
        data_dir, explicit = paths.resolve_data_dir(data_dir_arg)
        folder = paths.log_dir(data_dir, explicit)
        setup_logging(folder)
    except OSError as exc:
        print(f"(not logging to a file: {exc})", file=sys.stderr)
        return None
    return folder / "otj-desktop.log"
