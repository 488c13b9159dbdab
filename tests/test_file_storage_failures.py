"""Files written beside the database on a disk that is full or cannot be written to: the
import's parked upload, the export, attached files (audit item 9).

The import upload used to write its parking file unguarded: a full or read-only disk gave a
500 and could leave a ``.partial`` file behind; an attachment upload gave a 500 the same way.
Now each is one sentence where the apprentice acted (503), no part-written file is left and
nothing changed; and the export still works when the data folder cannot be written to,
because it then uses the system's temporary folder.

A full disk is real here: the upload runs in a child process whose files may not grow past
64 KB (``RLIMIT_FSIZE``), so the write fails half-way as on a full disk. A folder that cannot
be written to is ``imports`` being a file (CI runs as root, which chmod cannot stop).
"""

from __future__ import annotations

import errno
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from otj_desktop.web.storage_errors import storage_sentence
from tests.archive_helpers import export, filled_database, fingerprint
from tests.conftest import activity_form
from tests.process_helpers import app_env

FULL_DISK_UPLOAD = """
import io, re, resource, signal, sys
from pathlib import Path
from otj_desktop.web import create_app
from otj_desktop.web.security import launch_path
from tests.archive_helpers import fingerprint
from tests.conftest import activity_form

data, body, what = Path(sys.argv[1]), Path(sys.argv[2]).read_bytes(), sys.argv[3]
app = create_app({"DATA_DIR": data, "TESTING": True})
client = app.test_client()
client.get(launch_path(app.extensions["otj"].launch_tokens))
page = client.get("/backups").get_data(as_text=True)
token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
client.post("/activities/new", data={**activity_form(), "csrf_token": token})
(data / "imports").mkdir(exist_ok=True)
(data / "attachments").mkdir(exist_ok=True)
before = fingerprint(app.extensions["otj"].db)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))
if what == "import":
    form, path = {"archive": (io.BytesIO(body), "export.zip")}, "/data/import"
else:
    form, path = {"files": [(io.BytesIO(body), "big.txt")]}, "/activities/1/attachments"
response = client.post(
    path, data={**form, "csrf_token": token}, content_type="multipart/form-data"
)
resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
print(response.status_code)
text = re.sub(r"<[^>]+>", "", response.get_data(as_text=True))
line = next(line for line in text.splitlines() if "The disk is full" in line)
print(line.strip().removeprefix("Error: "))  # the visually hidden prefix of every error
folder = data / ("imports" if what == "import" else "attachments")
print(sorted(p.name for p in folder.iterdir() if p.is_file()))
print("unchanged" if fingerprint(app.extensions["otj"].db) == before else "CHANGED")
"""


def upload_on_a_full_disk(tmp_path: Path, body: Path, what: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", FULL_DISK_UPLOAD, str(tmp_path / "data"), body, what],
        capture_output=True,
        text=True,
        timeout=60,
        env=app_env(tmp_path),
        cwd=Path(__file__).parent.parent,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def big_export(tmp_path: Path) -> Path:
    """A real export padded past the 64 KB limit with a file that does not compress."""

    raw = io.BytesIO(export(filled_database(tmp_path / "source")))
    with zipfile.ZipFile(raw, "a") as archive:
        archive.writestr("padding.bin", os.urandom(200_000))
    path = tmp_path / "export.zip"
    path.write_bytes(raw.getvalue())
    return path


def test_an_upload_on_a_full_disk_is_one_sentence_and_leaves_no_partial_file(tmp_path):
    status, message, left, data = upload_on_a_full_disk(tmp_path, big_export(tmp_path), "import")

    assert status == "503"
    assert message == "The disk is full, so nothing was imported. Free some space and try again."
    assert left == "[]"
    assert data == "unchanged"


def test_an_attachment_on_a_full_disk_is_one_sentence_and_leaves_no_partial_file(tmp_path):
    body = tmp_path / "big.txt"
    body.write_text("A long note. " * 20_000)

    status, message, left, data = upload_on_a_full_disk(tmp_path, body, "attach")

    assert status == "503"
    assert message == "The disk is full, so nothing was attached. Free some space and try again."
    assert left == "[]"  # no .tmp- file, nothing kept
    assert data == "unchanged"


def test_an_upload_when_the_import_folder_cannot_be_made_is_one_sentence(client, app):
    (Path(app.extensions["otj"].data_dir) / "imports").write_text("in the way")
    before = fingerprint(app.extensions["otj"].db)

    response = client.post(
        "/data/import",
        {"archive": (io.BytesIO(b"PK whatever"), "export.zip")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 503
    assert "The data folder cannot be written to, so nothing was imported." in response.get_data(
        as_text=True
    )
    assert fingerprint(app.extensions["otj"].db) == before


def test_a_failed_write_midway_removes_the_partial_file(client, app, monkeypatch):
    from werkzeug.datastructures import FileStorage

    def save_half_then_fail(self, dst, buffer_size=16384):
        Path(dst).write_bytes(b"half of it")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FileStorage, "save", save_half_then_fail)
    response = client.post(
        "/data/import",
        {"archive": (io.BytesIO(b"PK whatever"), "export.zip")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 503
    assert "The disk is full" in response.get_data(as_text=True)
    assert list((Path(app.extensions["otj"].data_dir) / "imports").iterdir()) == []


def test_the_export_works_when_the_data_folder_cannot_be_written_to(client, app):
    client.post("/activities/new", activity_form(title="Keep me"))
    (Path(app.extensions["otj"].data_dir) / "imports").write_text("in the way")

    response = client.get("/data/export")

    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert "Keep me" in archive.read("activities.json").decode()


def test_an_export_that_cannot_be_written_anywhere_is_a_sentence(client, monkeypatch):
    import tempfile

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", no_space)
    response = client.get("/data/export")

    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The disk is full, so the export could not be made." in page


@pytest.mark.parametrize(
    ("error", "start"),
    [
        (OSError(errno.ENOSPC, "No space"), "The disk is full, so x."),
        (OSError(errno.EROFS, "Read-only file system"), "The data folder cannot be written to"),
        (PermissionError(errno.EACCES, "Permission denied"), "The data folder cannot be written"),
        (OSError(errno.EIO, "Input/output error"), "Because of a problem with the disk"),
    ],
)
def test_storage_sentences_are_plain_and_name_what_failed(error, start):
    sentence = storage_sentence(error, "x")
    assert sentence.startswith(start) and sentence.endswith(".") and "\n" not in sentence
