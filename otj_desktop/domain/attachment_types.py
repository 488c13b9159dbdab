"""Which files may be attached, found from their contents; and safe names for them.

A file's kind is decided by its bytes, never by its name or the type the browser claimed: PNG,
JPEG, GIF and WebP images by their signatures, PDF by ``%PDF-``, Word 97–2003 (.doc) by the OLE
compound-file signature plus a ``WordDocument`` stream, Word (.docx) by a zip holding
``word/document.xml``, and text or Markdown by being UTF-8 text without binary control bytes
(Markdown is plain text, so a text file named ``.md`` or ``.markdown`` counts as Markdown).

The name shown and used for downloads and "Open" is the uploaded one, cleaned
(:func:`clean_file_name`) and given the extension of the kind the contents are
(:func:`name_for_kind`): a PDF uploaded as ``report.exe`` becomes ``report.exe.pdf``, so
nothing is ever opened by the wrong program. The stored file itself is named by its SHA-256
(see ``store/attachment_files.py``); no uploaded name ever reaches a path.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES_PER_UPLOAD = 10
NAME_MAX = 120
LIMITS_SENTENCE = "Only images, PDF, Word, text or Markdown files up to 10 MB can be attached."


@dataclass(frozen=True)
class FileKind:
    key: str
    label: str  # "PNG image"
    media_type: str
    extensions: tuple[str, ...]  # the first is the one given to a name without a fitting one
    image: bool = False


KINDS: dict[str, FileKind] = {
    k.key: k
    for k in (
        FileKind("png", "PNG image", "image/png", (".png",), image=True),
        FileKind("jpeg", "JPEG image", "image/jpeg", (".jpg", ".jpeg", ".jpe"), image=True),
        FileKind("gif", "GIF image", "image/gif", (".gif",), image=True),
        FileKind("webp", "WebP image", "image/webp", (".webp",), image=True),
        FileKind("pdf", "PDF document", "application/pdf", (".pdf",)),
        FileKind("doc", "Word document", "application/msword", (".doc", ".dot")),
        FileKind(
            "docx",
            "Word document",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            (".docx", ".docm", ".dotx"),
        ),
        FileKind("markdown", "Markdown text", "text/markdown", (".md", ".markdown")),
        FileKind("text", "Text", "text/plain", (".txt", ".text")),
    )
}
BY_MEDIA_TYPE = {k.media_type: k for k in KINDS.values()}
ALL_EXTENSIONS = frozenset(ext for k in KINDS.values() for ext in k.extensions)

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORD_STREAM = "WordDocument".encode("utf-16-le")
# Bytes that never appear in text: C0 controls other than tab, newline, form feed, return.
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
_DOCX_MAX_MEMBERS = 10_000


class NotAllowed(ValueError):
    """The file may not be attached; the message says why and names the limits."""


def detect(path: Path, name: str) -> FileKind:
    """The kind of the file at ``path`` (at most :data:`MAX_BYTES`), from its contents.

    ``name`` only tells text from Markdown. Raises :class:`NotAllowed`.
    """
    with open(path, "rb") as handle:
        head = handle.read(2048)
    kind = _by_signature(head) or _container(path, head) or _text(path, name)
    if kind is None:
        raise NotAllowed(f"“{name}” is not one of those files. {LIMITS_SENTENCE}")
    return kind


def _by_signature(head: bytes) -> FileKind | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return KINDS["png"]
    if head.startswith(b"\xff\xd8\xff"):
        return KINDS["jpeg"]
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return KINDS["gif"]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return KINDS["webp"]
    if head.startswith(b"%PDF-"):
        return KINDS["pdf"]
    return None


def _container(path: Path, head: bytes) -> FileKind | None:
    """Word files: an OLE compound file with a WordDocument stream, or a .docx zip."""
    if head.startswith(_OLE):
        # Excel, PowerPoint and installers (.msi) are OLE files too: only Word has this stream.
        return KINDS["doc"] if _WORD_STREAM in path.read_bytes() else None
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                infos = archive.infolist()
                if len(infos) > _DOCX_MAX_MEMBERS:
                    return None
                names = {info.filename for info in infos}
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            return None
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return KINDS["docx"]
    return None


def _text(path: Path, name: str) -> FileKind | None:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if _BINARY.search(data):
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    suffix = Path(clean_file_name(name)).suffix.lower()
    return KINDS["markdown"] if suffix in KINDS["markdown"].extensions else KINDS["text"]


# --- names ------------------------------------------------------------------------------------

_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f<>:"|?*\u2028\u2029\u202a-\u202e\u2066-\u2069]')
_WINDOWS_DEVICES = re.compile(r"(con|prn|aux|nul|com\d|lpt\d)(\..*)?", re.IGNORECASE)


def clean_file_name(raw: str) -> str:
    """A name safe to show and to offer as a download or file name on any OS.

    Folders are dropped (``../../x`` -> ``x``, ``C:\\x`` -> ``x``), control, direction and
    reserved characters removed, leading dots and trailing dots and spaces stripped, Windows
    device names (``NUL``, ``COM1``) made harmless, and the length kept to :data:`NAME_MAX`
    (keeping the extension). Never empty.
    """
    text = unicodedata.normalize("NFC", str(raw))
    text = re.split(r"[/\\]", text)[-1]
    text = _UNSAFE_IN_NAME.sub("", text)
    text = " ".join(text.split()).lstrip(". ").rstrip(". ")
    if not text:
        text = "attachment"
    if _WINDOWS_DEVICES.fullmatch(text):
        text = "_" + text
    if len(text) > NAME_MAX:
        stem, dot, ext = text.rpartition(".")
        if dot and 1 <= len(ext) <= 10:
            text = stem[: NAME_MAX - len(ext) - 1].rstrip(". ") + "." + ext
        else:
            text = text[:NAME_MAX].rstrip(". ")
    return text


def name_for_kind(raw: str, kind: FileKind) -> str:
    """The cleaned name, ending in an extension of the kind the contents are."""
    name = clean_file_name(raw)
    stem, suffix = _split(name)
    if suffix.lower() in kind.extensions:
        return name
    if suffix.lower() in ALL_EXTENSIONS:  # photo.jpg that is really a PNG: photo.png
        name = stem
    return clean_file_name(name + kind.extensions[0])


def _split(name: str) -> tuple[str, str]:
    path = Path(name)
    return (path.stem, path.suffix) if path.suffix else (name, "")
