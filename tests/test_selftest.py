"""``otj-desktop --self-test`` from source: it passes on a good tree and names what is missing.

The frozen build runs the same module (CI runs it from the installed .deb); here the missing
pieces are simulated by pointing the app at an incomplete copy of its own files.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from otj_desktop import selftest, web
from otj_desktop.standards import catalogue
from otj_desktop.store import migrate
from tests.process_helpers import REPO, app_env

STATIC = REPO / "otj_desktop" / "web" / "static"
# GET routes without parameters that are not pages a window shows.
NOT_PAGES = {
    "static",
    "security.launch",
    "events.event_stream",
    "activities.export_csv",
    "archive.export",
    "evidence_pack.pdf",  # a download; its font files are among the static files checked
}


def test_self_test_passes_on_this_tree_and_covers_every_main_page():
    report = selftest.run()
    assert report.problems == []
    assert report.pages == len(selftest.MAIN_PAGES)
    assert report.static_files >= len(list(STATIC.rglob("*.*")))
    assert report.stream
    assert report.evidence_tools
    assert report.migrations == migrate.latest_version()
    assert report.standards == len(catalogue.list_catalogue())
    assert report.verdict().startswith("Self-test passed: OTJ Desktop")


def test_self_test_command_prints_one_verdict_line_logs_it_and_exits_0(tmp_path):
    data_dir = tmp_path / "data"
    done = subprocess.run(
        [sys.executable, "-m", "otj_desktop", "--self-test", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env=app_env(tmp_path),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Self-test passed:")
    assert "Traceback" not in done.stderr
    assert lines[0] in (data_dir / "logs" / "otj-desktop.log").read_text(encoding="utf-8")
    # Only the log: the checks ran on a temporary folder, never in the user's data folder.
    assert sorted(p.name for p in data_dir.iterdir()) == ["logs"]


def test_main_pages_list_every_page_the_app_serves(tmp_path):
    app = web.create_app({"DATA_DIR": tmp_path})
    pages = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and rule.endpoint not in NOT_PAGES
    }
    missing = pages - set(selftest.MAIN_PAGES)
    assert not missing, f"add these pages to otj_desktop.selftest.MAIN_PAGES: {sorted(missing)}"


@pytest.fixture(autouse=True)
def _restore_logging():
    """``selftest.main`` adds a file handler to the root logger, as the launcher does."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in set(root.handlers) - set(handlers):
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)


@pytest.fixture
def static_without(monkeypatch, tmp_path):
    """Serve the app's static files from a copy with one file removed."""

    def remove(name: str) -> None:
        copy = tmp_path / "static"
        shutil.copytree(STATIC, copy)
        (copy / name).unlink()
        real_create_app = web.create_app

        def create_app(config):
            app = real_create_app(config)
            app.static_folder = str(copy)
            return app

        monkeypatch.setattr(web, "create_app", create_app)

    return remove


def verdict_of(capsys, tmp_path) -> tuple[int, str, str]:
    code = selftest.main(str(tmp_path / "logs-here"))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_missing_stylesheet_fails_with_a_line_naming_it(static_without, capsys, tmp_path):
    static_without("css/app.css")
    code, out, err = verdict_of(capsys, tmp_path)
    assert code == 1
    assert out.startswith("Self-test FAILED: OTJ Desktop")
    assert len(out.splitlines()) == 1
    assert "css/app.css" in out
    assert "/static/css/app.css answered 404" in err
    assert "Traceback" not in out + err


def test_a_missing_vendored_script_fails(static_without, capsys, tmp_path):
    static_without("vendor/chartjs/chart.umd.min.js")
    code, out, _ = verdict_of(capsys, tmp_path)
    assert code == 1
    assert "vendor/chartjs/chart.umd.min.js" in out


def test_a_missing_catalogue_fails(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(catalogue, "_catalogue_files", dict)
    code, out, _ = verdict_of(capsys, tmp_path)
    assert code == 1
    assert "no bundled standards found (standards/catalogue/*.json)" in out


def test_missing_migrations_fail(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(migrate, "available_migrations", list)
    code, out, _ = verdict_of(capsys, tmp_path)
    assert code == 1
    assert "no database migrations are bundled" in out


def test_an_image_type_pillow_cannot_read_fails_naming_it(monkeypatch, capsys, tmp_path):
    from PIL import Image

    Image.init()
    # As if the bundle had lost Pillow's GIF plugin: the format is not registered.
    monkeypatch.setattr(Image, "ID", [name for name in Image.ID if name != "GIF"])
    monkeypatch.delitem(Image.OPEN, "GIF")
    code, out, _ = verdict_of(capsys, tmp_path)
    assert code == 1
    assert "making a thumbnail of a GIF image failed" in out


def test_a_missing_webp_encoder_fails_naming_it(monkeypatch, capsys, tmp_path):
    from PIL import Image

    Image.init()
    monkeypatch.delitem(Image.SAVE, "WEBP")  # thumbnails are WebP
    code, out, err = verdict_of(capsys, tmp_path)
    assert code == 1
    assert "a WEBP image could not be written" in err
    assert "making a thumbnail of a PNG image failed" in out


def test_a_broken_evidence_pack_pdf_fails(monkeypatch, capsys, tmp_path):
    from otj_desktop.web import evidence_pack

    def no_pdf(*args, **kwargs):
        raise RuntimeError("the font is missing")

    monkeypatch.setattr(evidence_pack, "_pdf_bytes", no_pdf)
    code, out, _ = verdict_of(capsys, tmp_path)
    assert code == 1
    assert "the evidence pack PDF answered 500" in out


def test_the_failure_is_logged_with_every_problem(static_without, capsys, tmp_path):
    static_without("css/app.css")
    selftest.main(str(tmp_path / "d"))
    logged = (tmp_path / "d" / "logs" / "otj-desktop.log").read_text(encoding="utf-8")
    assert "Self-test problem: static file /static/css/app.css answered 404" in logged
    assert "Self-test FAILED" in logged


def test_frozen_build_must_load_every_resource_from_inside_the_bundle(monkeypatch, tmp_path):
    # A frozen build whose bundle folder is elsewhere: everything found in this source tree
    # must be reported, because a real bundle would then be using files it does not contain.
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    report = selftest.Report()
    selftest._check_inside_bundle(report)
    assert len(report.problems) == 4
    assert all("outside the bundle" in p for p in report.problems)


def test_frozen_build_with_everything_inside_the_bundle_passes_that_check(monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(Path(web.__file__).parents[2]), raising=False)
    report = selftest.Report()
    selftest._check_inside_bundle(report)
    assert report.problems == []
