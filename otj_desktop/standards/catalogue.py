"""The small catalogue of common standards bundled with the app, for a quick start offline.

Each bundled file sits in ``otj_desktop/standards/catalogue/`` in the official JSON shape, so it
goes through exactly the same ``parse_standard`` checks as a file an apprentice imports, plus a
top-level ``_catalogue`` object: ``followsVersion`` (the published version it follows) and a
``note`` saying that the statements are our own summaries and should be checked against the
training plan or replaced by the official file. The note travels with the standard as its
``source_note`` so the app can show it wherever the catalogue text is used.

Files are read through ``importlib.resources`` relative to this package, so the catalogue works
from a source checkout, an installed wheel and a PyInstaller bundle alike. A file's key is its
name without ``.json`` (for example ``"st0116_v1_1"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from otj_desktop.standards.importer import StandardData, parse_standard

__all__ = ["CatalogueEntry", "list_catalogue", "load_catalogue_standard"]

_PACKAGE = "otj_desktop.standards"
_FOLDER = "catalogue"
_SUFFIX = ".json"


@dataclass(frozen=True)
class CatalogueEntry:
    """What a picker needs to show one bundled standard, without its KSBs."""

    key: str
    reference: str
    title: str
    level: int | None
    version: str
    note: str


def list_catalogue() -> list[CatalogueEntry]:
    """Return every bundled standard, sorted by title (then reference and version).

    Raises ``StandardFileError`` only if a bundled file is broken, which the tests rule out.
    """
    entries = [_entry(key, load_catalogue_standard(key)) for key in _catalogue_files()]
    return sorted(entries, key=lambda e: (e.title.casefold(), e.reference, e.version))


def load_catalogue_standard(key: str) -> StandardData:
    """Return the bundled standard stored under ``key``, parsed with ``source="catalogue"``.

    Raises ``KeyError`` when no bundled standard has that key.
    """
    if key not in _catalogue_files():
        raise KeyError(key)
    return _load(key)


@cache
def _load(key: str) -> StandardData:
    # StandardData is frozen and holds only tuples, so one parsed copy can be shared.
    return parse_standard(_catalogue_files()[key].read_bytes(), source="catalogue")


@cache
def _catalogue_files() -> dict[str, Traversable]:
    folder = resources.files(_PACKAGE).joinpath(_FOLDER)
    return {
        item.name.removesuffix(_SUFFIX): item
        for item in sorted(folder.iterdir(), key=lambda item: item.name)
        if item.name.endswith(_SUFFIX) and item.is_file()
    }


def _entry(key: str, standard: StandardData) -> CatalogueEntry:
    return CatalogueEntry(
        key=key,
        reference=standard.reference,
        title=standard.title,
        level=standard.level,
        version=standard.version,
        note=standard.source_note or "",
    )
