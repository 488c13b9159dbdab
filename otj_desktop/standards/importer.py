"""Read one apprenticeship standard from the official JSON into plain, frozen data.

Skills England (formerly IfATE) publishes every standard version as JSON: top-level facts
(``referenceNumber``, ``title``, ``level``, ``version``, ``minimumHoursForCompliance`` …) and
three lists, ``knowledges``, ``skills`` and ``behaviours``, whose entries hold a GUID and a
``detail`` statement. The codes apprentices use (K1, S3, B2) are *not* in the file: they are the
1-based position in each list, so this module derives them.

The file comes from the apprentice, so it is untrusted input. ``parse_standard`` therefore
checks everything it keeps, caps sizes, strips control characters, and turns every problem into
a ``StandardFileError`` whose message is one plain sentence an apprentice can act on. No other
exception escapes for bad input (a property test feeds it random JSON and random bytes).

The result is pure data (no Flask, no SQL): the store decides how to save it, and later versions
of a standard are matched to earlier ones by ``official_id`` first and by code second.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, NoReturn

__all__ = [
    "SOURCES",
    "UPLOAD_LIMIT",
    "DutyData",
    "KsbCategory",
    "KsbData",
    "StandardData",
    "StandardFileError",
    "ksb_code",
    "parse_standard",
    "short_title",
]

KsbCategory = Literal["knowledge", "skill", "behaviour"]

#: Where a standard came from: an imported official file, the bundled catalogue, or typed in.
SOURCES: Final = ("official", "catalogue", "manual")

# Limits well above any real standard (the biggest have around 100 KSBs and statements of a
# few hundred characters) but low enough that a wrong or hostile file cannot swamp the app.
MAX_FILE_BYTES: Final = 5_000_000
# How much of a file offered as a standard the app reads: the Standard page's upload limit and
# the File menu's read (one source for both). A little over MAX_FILE_BYTES, so the upload's
# form wrapping fits and a file just too big is refused by parse_standard itself.
UPLOAD_LIMIT: Final = 5 * 1024 * 1024
MAX_KSBS: Final = 500
MAX_DUTIES: Final = 200
MAX_STATEMENT_CHARS: Final = 5000
MAX_TITLE_CHARS: Final = 300
MAX_ID_CHARS: Final = 100
MAX_LEVEL: Final = 8
MAX_DURATION_MONTHS: Final = 240
MAX_MINIMUM_HOURS: Final = 100_000.0
SHORT_TITLE_MAX_CHARS: Final = 80
SHORT_TITLE_MAX_WORDS: Final = 10

# (category, list key in the file, id key in each entry, code prefix), in the order codes are
# listed everywhere in the app: knowledge, then skills, then behaviours.
_KSB_LISTS: Final = (
    ("knowledge", "knowledges", "knowledgeId", "K"),
    ("skill", "skills", "skillId", "S"),
    ("behaviour", "behaviours", "behaviourId", "B"),
)
_PREFIXES: Final = {category: prefix for category, _, _, prefix in _KSB_LISTS}

# Duty keys as published; "mappedBehaviours" is accepted too because both spellings are seen.
_DUTY_LINK_KEYS: Final = ("mappedKnowledge", "mappedSkills", "mappedBehaviour", "mappedBehaviours")

_REFERENCE_RE: Final = re.compile(r"ST[0-9]{4}")
_VERSION_RE: Final = re.compile(r"[0-9]{1,3}(\.[0-9]{1,3}){0,2}")
_WHOLE_NUMBER_RE: Final = re.compile(r"[0-9]{1,6}")
_HOURS_RE: Final = re.compile(r"[0-9]{1,9}(\.[0-9]{1,6})?")
# A leading phrase that introduces a list ("for example: …") is not a title.
_NOT_TITLE_ENDINGS: Final = frozenset(
    {"as", "e.g", "eg", "example", "following", "include", "includes", "including", "is", "are"}
)
# Unicode categories removed from every text field: control characters, invisible format
# characters (zero-width and bidi overrides) and lone surrogates, which JSON can smuggle in.
_STRIPPED_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs"})
_TRUE_WORDS: Final = frozenset({"true", "yes", "1"})
_FALSE_WORDS: Final = frozenset({"false", "no", "0", ""})


class StandardFileError(ValueError):
    """A file that cannot be used as an apprenticeship standard.

    The message is one plain sentence meant to be shown to the apprentice as it is.
    """


@dataclass(frozen=True)
class KsbData:
    """One knowledge, skill or behaviour statement of a standard."""

    category: KsbCategory
    code: str
    position: int
    title: str | None
    statement: str
    official_id: str | None


@dataclass(frozen=True)
class DutyData:
    """One duty of the occupation, with the official ids of the KSBs it draws on."""

    code: str
    statement: str
    core: bool
    ksb_official_ids: tuple[str, ...]


@dataclass(frozen=True)
class StandardData:
    """One version of one apprenticeship standard, ready to be stored."""

    reference: str
    title: str
    level: int | None
    version: str
    typical_duration_months: int | None
    minimum_hours: float | None
    ksbs: tuple[KsbData, ...]
    duties: tuple[DutyData, ...]
    source: str
    source_note: str | None


def ksb_code(category: KsbCategory, position: int) -> str:
    """Return the code of the KSB at 1-based ``position`` in its list, e.g. ``"S3"``.

    Raises ``ValueError`` for an unknown category or a position below 1.
    """
    prefix = _PREFIXES.get(category)
    if prefix is None:
        raise ValueError(f"unknown KSB category: {category!r}")
    if isinstance(position, bool) or not isinstance(position, int) or position < 1:
        raise ValueError(f"KSB position must be a whole number from 1, not {position!r}")
    return f"{prefix}{position}"


def short_title(statement: str) -> str | None:
    """Return the short phrase before a colon at the start of ``statement``, if it has one.

    Standards often write ``"Leading people: Understand different leadership styles …"``; the
    title is then ``"Leading people"``. Returns ``None`` when there is no such phrase, when the
    phrase is long (over 80 characters or 10 words) or reads like the start of a sentence or
    list (``"for example:"``), or when nothing follows the colon.
    """
    text = " ".join(statement.split())
    head, colon, rest = text.partition(":")
    if not colon or not rest.startswith(" ") or not rest.strip():
        return None
    head = head.strip()
    if not head or len(head) > SHORT_TITLE_MAX_CHARS or not head[0].isalnum():
        return None
    words = head.split()
    if len(words) > SHORT_TITLE_MAX_WORDS or any(mark in head for mark in ".;()[]"):
        return None
    if words[-1].casefold().rstrip(",-") in _NOT_TITLE_ENDINGS:
        return None
    return head


def parse_standard(
    raw: bytes | str | Mapping[str, Any], *, source: str = "official"
) -> StandardData:
    """Parse one standard version from its official JSON (bytes, text, or already decoded).

    ``source`` records where it came from (``"official"``, ``"catalogue"`` or ``"manual"``);
    for the catalogue, the note in the file's ``_catalogue`` object becomes ``source_note``.

    Returns a ``StandardData`` whose KSBs list knowledge, then skills, then behaviours, each in
    file order with codes K1…, S1…, B1….
    Raises ``StandardFileError`` (one plain sentence) for anything that is not a usable
    standard, and ``ValueError`` for an unknown ``source`` (a programming error).
    """
    if source not in SOURCES:
        raise ValueError(f"unknown standard source: {source!r}")
    document = _single_standard(_decode(raw))
    # Which standard it is comes first, so a wrong file is named as such before any detail.
    reference = _reference(document.get("referenceNumber"))
    title = _title(document.get("title"))
    version = _version(document.get("version"))
    ksbs = _ksbs(document)
    known_ids = {ksb.official_id for ksb in ksbs if ksb.official_id is not None}
    return StandardData(
        reference=reference,
        title=title,
        level=_whole_number(document.get("level"), "level", 1, MAX_LEVEL),
        version=version,
        typical_duration_months=_whole_number(
            document.get("typicalDuration"), "typical duration in months", 1, MAX_DURATION_MONTHS
        ),
        minimum_hours=_minimum_hours(document.get("minimumHoursForCompliance")),
        ksbs=ksbs,
        duties=_duties(document.get("duties"), known_ids),
        source=source,
        source_note=_catalogue_note(document) if source == "catalogue" else None,
    )


# --- decoding -------------------------------------------------------------------------------


def _fail(message: str) -> NoReturn:
    raise StandardFileError(message)


def _decode(raw: object) -> object:
    """Turn bytes or text into decoded JSON; pass anything else through for shape checks."""
    if isinstance(raw, bytes | bytearray):
        if len(raw) > MAX_FILE_BYTES:
            _fail("This file is too large to be an apprenticeship standard.")
        try:
            raw = bytes(raw).decode("utf-8-sig")
        except UnicodeDecodeError:
            _fail("This file is not readable text (UTF-8), so it cannot be a standard file.")
    if not isinstance(raw, str):
        return raw
    if len(raw) > MAX_FILE_BYTES:
        _fail("This file is too large to be an apprenticeship standard.")
    try:
        return json.loads(raw.removeprefix("\ufeff"), parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        _fail(f"This file is not valid JSON (line {error.lineno}, column {error.colno}).")
    except RecursionError:
        _fail("This file is nested too deeply to be an apprenticeship standard.")
    except ValueError:
        # NaN/Infinity, or a number with thousands of digits: valid to Python, not to JSON.
        _fail("This file is not valid JSON: it contains a number that cannot be read.")


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"JSON has no {name}")


def _single_standard(document: object) -> Mapping[str, Any]:
    """Return the one standard in the decoded file (a lone standard inside a list is fine)."""
    if isinstance(document, list):
        if len(document) > 1:
            _fail(
                "This file holds a list of several standards: save the file for your own "
                "standard only, then import that."
            )
        if len(document) == 1:
            document = document[0]
    if not isinstance(document, Mapping):
        _fail("This file is not an apprenticeship standard: it does not describe a standard.")
    if all(document.get(list_key) is None for _, list_key, _, _ in _KSB_LISTS):
        _fail(
            "This file is not an apprenticeship standard: it has no 'knowledges', 'skills' or "
            "'behaviours' list."
        )
    return document


# --- text -----------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """NFC-normalise, drop control and invisible characters, and collapse whitespace."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in _STRIPPED_CATEGORIES
    )
    return " ".join(text.split())


def _show(value: object) -> str:
    """A short quotation of a bad value for an error message."""
    if isinstance(value, str):
        text = _clean(value[:100])
    else:
        try:
            text = _clean(repr(value)[:100])
        except (ValueError, RecursionError):  # ints too long to print, or deep nesting
            text = "?"
    return text if len(text) <= 20 else text[:19] + "…"


# --- top-level fields -----------------------------------------------------------------------


def _reference(value: object) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        _fail("This standard has no reference number (such as ST0116).")
    if not isinstance(value, str):
        _fail("This standard's reference number is not text such as ST0116.")
    reference = "".join(_clean(value).split()).upper()
    if not _REFERENCE_RE.fullmatch(reference):
        _fail(f"This standard's reference number '{_show(value)}' is not like ST0116.")
    return reference


def _title(value: object) -> str:
    title = _clean(value) if isinstance(value, str) else ""
    if not title:
        _fail("This standard has no title.")
    if len(title) > MAX_TITLE_CHARS:
        _fail(f"This standard's title is longer than {MAX_TITLE_CHARS} characters.")
    return title


def _version(value: object) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        _fail("This standard has no version number (such as 1.1).")
    if isinstance(value, bool):
        _fail("This standard's version is not a version number such as 1.1.")
    if isinstance(value, int):
        text = f"{value}.0" if 0 <= value < 1000 else "?"
    elif isinstance(value, float) and math.isfinite(value):
        text = repr(value)
    elif isinstance(value, str):
        text = _clean(value).removeprefix("v").removeprefix("V")
    else:
        _fail("This standard's version is not a version number such as 1.1.")
    if not _VERSION_RE.fullmatch(text):
        _fail(f"This standard's version '{_show(value)}' is not a version number such as 1.1.")
    return text


def _whole_number(value: object, what: str, low: int, high: int) -> int | None:
    """An optional whole number given as a number or numeric text; absent or empty is None."""
    number: int | None = None
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _WHOLE_NUMBER_RE.fullmatch(value.strip()):
        number = int(value.strip())
    if number is None or not low <= number <= high:
        _fail(
            f"This standard's {what} '{_show(value)}' is not a whole number from {low} to {high}."
        )
    return number


def _minimum_hours(value: object) -> float | None:
    """``minimumHoursForCompliance``: absent, null or empty is None; otherwise positive hours."""
    hours: float | None = None
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            hours = float(value)
        except OverflowError:
            hours = None
    elif isinstance(value, str):
        text = value.strip().replace(",", "")
        if _HOURS_RE.fullmatch(text):
            hours = float(text)
    if hours is None or not math.isfinite(hours) or not 0 < hours <= MAX_MINIMUM_HOURS:
        _fail(
            f"This standard's minimum off-the-job hours '{_show(value)}' is not a positive "
            "number of hours."
        )
    return hours


def _catalogue_note(document: Mapping[str, Any]) -> str | None:
    info = document.get("_catalogue")
    note = info.get("note") if isinstance(info, Mapping) else None
    return (_clean(note) or None) if isinstance(note, str) else None


# --- knowledge, skills and behaviours -------------------------------------------------------


def _ksbs(document: Mapping[str, Any]) -> tuple[KsbData, ...]:
    lists = []
    for category, list_key, id_key, _prefix in _KSB_LISTS:
        entries = document.get(list_key)
        if entries is None:
            entries = []
        if not isinstance(entries, list):
            _fail(f"This standard's '{list_key}' is not a list.")
        lists.append((category, id_key, entries))
    total = sum(len(entries) for _, _, entries in lists)
    if total == 0:
        _fail("This standard has no knowledge, skills or behaviours in it.")
    if total > MAX_KSBS:
        _fail(f"This standard lists more than {MAX_KSBS} knowledge, skills and behaviours.")
    ksbs = tuple(
        _ksb(category, position, entry, id_key)
        for category, id_key, entries in lists
        for position, entry in enumerate(entries, start=1)
    )
    _check_unique_ids(ksbs)
    return ksbs


def _ksb(category: KsbCategory, position: int, entry: object, id_key: str) -> KsbData:
    code = ksb_code(category, position)
    if not isinstance(entry, Mapping):
        _fail(f"Item {code} in this standard is not in the expected format.")
    statement = _statement(entry.get("detail"), f"Item {code}")
    return KsbData(
        category=category,
        code=code,
        position=position,
        title=short_title(statement),
        statement=statement,
        official_id=_official_id(entry.get(id_key), code),
    )


def _statement(value: object, label: str) -> str:
    statement = _clean(value) if isinstance(value, str) else ""
    if not statement:
        _fail(f"{label} in this standard has no statement text.")
    if len(statement) > MAX_STATEMENT_CHARS:
        _fail(f"{label} in this standard is longer than {MAX_STATEMENT_CHARS} characters.")
    return statement


def _official_id(value: object, code: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        _fail(f"Item {code} in this standard has an id that is not text.")
    official_id = _clean(value)
    if len(official_id) > MAX_ID_CHARS:
        _fail(f"Item {code} in this standard has an id longer than {MAX_ID_CHARS} characters.")
    return official_id or None


def _check_unique_ids(ksbs: tuple[KsbData, ...]) -> None:
    # Ids are GUIDs, unique across all three lists; a repeat means a damaged or edited file,
    # and mapping a later version by id would then be ambiguous.
    seen: dict[str, str] = {}
    for ksb in ksbs:
        if ksb.official_id is None:
            continue
        first = seen.setdefault(ksb.official_id.casefold(), ksb.code)
        if first != ksb.code:
            _fail(
                f"Items {first} and {ksb.code} in this standard have the same id, so the file "
                "looks damaged."
            )


# --- duties ---------------------------------------------------------------------------------


def _duties(value: object, known_ids: set[str]) -> tuple[DutyData, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        _fail("This standard's 'duties' is not a list.")
    if len(value) > MAX_DUTIES:
        _fail(f"This standard lists more than {MAX_DUTIES} duties.")
    return tuple(_duty(f"D{number}", entry, known_ids) for number, entry in enumerate(value, 1))


def _duty(code: str, entry: object, known_ids: set[str]) -> DutyData:
    if not isinstance(entry, Mapping):
        _fail(f"Duty {code} in this standard is not in the expected format.")
    return DutyData(
        code=code,
        statement=_statement(entry.get("dutyDetail"), f"Duty {code}"),
        core=_flag(entry.get("isThisACoreDuty"), code),
        ksb_official_ids=_duty_links(entry, code, known_ids),
    )


def _flag(value: object, code: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().casefold()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    _fail(f"Duty {code} in this standard does not say clearly whether it is a core duty.")


def _duty_links(entry: Mapping[str, Any], code: str, known_ids: set[str]) -> tuple[str, ...]:
    """Official ids of the KSBs a duty maps to, in K, S, B order, without repeats.

    Ids that match no KSB in the file are dropped: they could never be linked to anything.
    """
    links: dict[str, None] = {}
    for key in _DUTY_LINK_KEYS:
        ids = entry.get(key)
        if ids is None:
            continue
        if not isinstance(ids, list) or not all(isinstance(item, str) for item in ids):
            _fail(f"Duty {code} in this standard lists its linked items in an unexpected format.")
        for item in ids:
            official_id = _clean(item)
            if official_id in known_ids:
                links[official_id] = None
    return tuple(links)
