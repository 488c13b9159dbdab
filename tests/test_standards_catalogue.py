"""Tests for the bundled catalogue of standards."""

from __future__ import annotations

import json
import re
import uuid
from importlib import resources
from typing import Any

import pytest

from otj_desktop.standards.catalogue import (
    CatalogueEntry,
    list_catalogue,
    load_catalogue_standard,
)

KEYS = [entry.key for entry in list_catalogue()]
CODE_RE = re.compile(r"[KSB][1-9][0-9]*")


def raw_file(key: str) -> dict[str, Any]:
    folder = resources.files("otj_desktop.standards").joinpath("catalogue")
    return json.loads(folder.joinpath(f"{key}.json").read_text(encoding="utf-8"))


def test_catalogue_lists_the_bundled_standards_sorted_by_title() -> None:
    entries = list_catalogue()

    assert [e.reference for e in entries] == ["ST0118", "ST0116", "ST0384"]
    assert [e.title for e in entries] == sorted(e.title for e in entries)
    assert all(isinstance(e, CatalogueEntry) for e in entries)


def test_catalogue_entry_matches_its_standard() -> None:
    for entry in list_catalogue():
        standard = load_catalogue_standard(entry.key)
        assert (entry.reference, entry.title, entry.level, entry.version, entry.note) == (
            standard.reference,
            standard.title,
            standard.level,
            standard.version,
            standard.source_note,
        )


@pytest.mark.parametrize("key", KEYS)
def test_every_catalogue_file_parses_as_a_catalogue_standard(key: str) -> None:
    standard = load_catalogue_standard(key)

    assert standard.source == "catalogue"
    assert re.fullmatch(r"ST[0-9]{4}", standard.reference)
    assert standard.level in (2, 3, 4, 5, 6, 7)
    assert standard.ksbs
    assert {k.category for k in standard.ksbs} == {"knowledge", "skill", "behaviour"}


@pytest.mark.parametrize("key", KEYS)
def test_catalogue_codes_and_ids_are_unique_and_well_formed(key: str) -> None:
    standard = load_catalogue_standard(key)
    codes = [k.code for k in standard.ksbs]
    ids = [k.official_id for k in standard.ksbs]

    assert len(set(codes)) == len(codes)
    assert all(CODE_RE.fullmatch(code) for code in codes)
    assert None not in ids
    assert len(set(ids)) == len(ids)
    assert all(str(uuid.UUID(i)) == i for i in ids if i is not None)


@pytest.mark.parametrize("key", KEYS)
def test_catalogue_note_says_the_text_is_summarised_and_which_version(key: str) -> None:
    standard = load_catalogue_standard(key)
    info = raw_file(key)["_catalogue"]

    assert standard.source_note is not None
    assert "in our own words" in standard.source_note
    assert f"version {standard.version}" in standard.source_note
    assert "import the official file" in standard.source_note
    assert info["followsVersion"] == standard.version


@pytest.mark.parametrize("key", KEYS)
def test_catalogue_file_uses_the_official_shape(key: str) -> None:
    document = raw_file(key)

    for list_key, id_key in (
        ("knowledges", "knowledgeId"),
        ("skills", "skillId"),
        ("behaviours", "behaviourId"),
    ):
        assert document[list_key]
        assert all(set(entry) == {id_key, "detail"} for entry in document[list_key])
    assert key == f"{document['referenceNumber'].lower()}_v{document['version'].replace('.', '_')}"


def test_catalogue_gives_no_minimum_hours_it_cannot_vouch_for() -> None:
    # Hours are only bundled where we are sure of the published figure; none are yet.
    assert all(load_catalogue_standard(key).minimum_hours is None for key in KEYS)


def test_known_catalogue_standards_have_the_expected_ksb_counts() -> None:
    counts = {}
    for key in KEYS:
        standard = load_catalogue_standard(key)
        counts[standard.reference] = tuple(
            sum(k.category == category for k in standard.ksbs)
            for category in ("knowledge", "skill", "behaviour")
        )
    assert counts == {"ST0116": (12, 17, 9), "ST0118": (15, 15, 7), "ST0384": (10, 10, 4)}


def test_team_leader_statements_have_short_titles() -> None:
    standard = load_catalogue_standard("st0384_v1_2")
    assert [k.title for k in standard.ksbs[:3]] == [
        "Leading people",
        "Managing people",
        "Building relationships",
    ]


def test_loading_twice_gives_the_same_standard() -> None:
    assert load_catalogue_standard(KEYS[0]) == load_catalogue_standard(KEYS[0])


@pytest.mark.parametrize("key", ["st9999_v1_0", "", "../importer", "ST0116_V1_1"])
def test_unknown_catalogue_key_raises_key_error(key: str) -> None:
    with pytest.raises(KeyError):
        load_catalogue_standard(key)
