"""Small real files of every kind that may be attached (and some that may not), and uploads."""

from __future__ import annotations

import io
import zipfile

from PIL import Image

from otj_desktop.domain.attachment_types import MAX_BYTES


def image(fmt: str, size: tuple[int, int] = (640, 480), colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    mode = "RGBA" if fmt in ("PNG", "WEBP") else "RGB"
    Image.new(mode, size, colour).save(buffer, fmt)
    return buffer.getvalue()


def pdf() -> bytes:
    from fpdf import FPDF

    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=12)
    doc.cell(text="Certificate of completion")
    return bytes(doc.output())


def doc() -> bytes:
    """The start of a Word 97-2003 file: the OLE signature and a WordDocument stream entry."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    entry = "WordDocument".encode("utf-16-le") + b"\x00" * 40
    return header + entry + b"\x00" * 1024


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


GOOD_FILES = {
    "photo.png": ("image/png", lambda: image("PNG")),
    "photo.jpg": ("image/jpeg", lambda: image("JPEG")),
    "anim.gif": ("image/gif", lambda: image("GIF")),
    "pic.webp": ("image/webp", lambda: image("WEBP")),
    "certificate.pdf": ("application/pdf", pdf),
    "essay.doc": ("application/msword", doc),
    "essay.docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        docx,
    ),
    "notes.txt": ("text/plain", lambda: "Café notes — ✓\n".encode()),
    "notes.md": ("text/markdown", lambda: b"# Heading\n\n* point\n"),
}

BAD_FILES = {
    "program.exe": b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200,
    "fake.png": b"MZ\x90\x00 this is a program named like a picture",
    "sheet.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,  # OLE but not Word
    "archive.docx": b"PK\x03\x04" + b"\x00" * 100,  # a broken zip
    "other.zip": None,  # filled below: a real zip that is not a Word file
    "binary.txt": b"text\x00with\x01binary",
    "latin1.txt": "caf\xe9".encode("latin-1"),
}
_zip = io.BytesIO()
with zipfile.ZipFile(_zip, "w") as _archive:
    _archive.writestr("readme.txt", "hello")
BAD_FILES["other.zip"] = _zip.getvalue()


def too_big() -> bytes:
    return b"a" * (MAX_BYTES + 1)


def upload(client, activity_id: int, *files: tuple[bytes, str]):
    """POST files to an activity's upload form."""
    return client.post(
        f"/activities/{activity_id}/attachments",
        {"files": [(io.BytesIO(data), name) for data, name in files]},
        content_type="multipart/form-data",
    )
