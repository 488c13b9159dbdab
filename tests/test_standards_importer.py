"""Tests for reading the official apprenticeship standard JSON into plain data."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otj_desktop.standards.importer import (
    MAX_KSBS,
    DutyData,
    StandardData,
    StandardFileError,
    ksb_code,
    parse_standard,
    short_title,
)
from tests.fuzz_helpers import json_documents

DATA = Path(__file__).parent / "data"
V1_0 = DATA / "standard_st9999_v1_0.json"
V1_1 = DATA / "standard_st9999_v1_1.json"


def load(path: Path = V1_0) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def minimal(**fields: Any) -> dict[str, Any]:
    """The smallest acceptable standard, with ``fields`` replacing or adding top-level keys."""
    document: dict[str, Any] = {
        "referenceNumber": "ST0001",
        "title": "Tiny standard",
        "version": "1.0",
        "knowledges": [{"knowledgeId": "k-1", "detail": "Something worth knowing."}],
    }
    document.update(fields)
    return document


def rejection(raw: Any) -> str:
    """Parse ``raw``, expecting a StandardFileError; return its (checked) message."""
    with pytest.raises(StandardFileError) as caught:
        parse_standard(raw)
    message = str(caught.value)
    # One plain sentence: starts with a capital, ends with a full stop, no line breaks.
    assert message[:1].isupper()
    assert message.endswith(".")
    assert "\n" not in message
    assert "Traceback" not in message
    return message


# --- a good file ----------------------------------------------------------------------------


def test_good_file_parses_with_codes_in_file_order() -> None:
    standard = parse_standard(V1_0.read_bytes())

    assert [k.code for k in standard.ksbs] == [
        "K1", "K2", "K3", "K4", "K5", "K6",
        "S1", "S2", "S3", "S4", "S5",
        "B1", "B2", "B3",
    ]  # fmt: skip
    assert [k.position for k in standard.ksbs if k.category == "skill"] == [1, 2, 3, 4, 5]
    assert {k.category for k in standard.ksbs[:6]} == {"knowledge"}
    assert {k.category for k in standard.ksbs[-3:]} == {"behaviour"}


def test_good_file_keeps_statements_and_official_ids_in_file_order() -> None:
    document = load()
    standard = parse_standard(document)

    expected = [
        (entry["detail"], entry[id_key])
        for list_key, id_key in (
            ("knowledges", "knowledgeId"),
            ("skills", "skillId"),
            ("behaviours", "behaviourId"),
        )
        for entry in document[list_key]
    ]
    assert [(k.statement, k.official_id) for k in standard.ksbs] == expected


def test_good_file_top_level_facts() -> None:
    standard = parse_standard(V1_0.read_bytes())

    assert standard.reference == "ST9999"
    assert standard.title == "Example widget technician"
    assert standard.level == 3
    assert standard.version == "1.0"
    assert standard.typical_duration_months == 18
    assert standard.source == "official"
    assert standard.source_note is None


def test_minimum_hours_parsed_from_string() -> None:
    assert parse_standard(V1_0.read_bytes()).minimum_hours == 400.0
    assert parse_standard(minimal(minimumHoursForCompliance=" 1,200.5 ")).minimum_hours == 1200.5


@pytest.mark.parametrize("value", [605, 605.0, "605"])
def test_minimum_hours_accepts_number_or_text(value: Any) -> None:
    assert parse_standard(minimal(minimumHoursForCompliance=value)).minimum_hours == 605.0


@pytest.mark.parametrize("value", [None, "", "   "])
def test_missing_minimum_hours_is_none(value: Any) -> None:
    assert parse_standard(minimal(minimumHoursForCompliance=value)).minimum_hours is None
    assert parse_standard(minimal()).minimum_hours is None


def test_short_titles_come_from_the_leading_phrase() -> None:
    titles = {k.code: k.title for k in parse_standard(V1_0.read_bytes()).ksbs}

    assert titles["K1"] == "Widget materials"
    assert titles["K3"] == "Health and safety"
    assert titles["S2"] == "Testing"
    assert titles["B2"] == "Teamwork"
    assert titles["K2"] is None
    assert titles["S1"] is None


def test_statement_keeps_its_title_phrase() -> None:
    ksb = parse_standard(V1_0.read_bytes()).ksbs[0]
    assert ksb.statement.startswith("Widget materials: the metals")


def test_duties_are_coded_with_core_flag_and_linked_ids() -> None:
    document = load()
    standard = parse_standard(document)
    ids = {k.code: k.official_id for k in standard.ksbs}

    assert [d.code for d in standard.duties] == ["D1", "D2"]
    build, maintain = standard.duties
    assert build.core is True
    assert maintain.core is False
    assert build.statement == document["duties"][0]["dutyDetail"]
    assert build.ksb_official_ids == tuple(
        ids[code] for code in ("K1", "K2", "K5", "S1", "S2", "S4", "B3")
    )


def test_duty_links_drop_unknown_ids_and_repeats() -> None:
    known = "k-1"
    document = minimal(
        duties=[
            {
                "dutyDetail": "Do the job.",
                "isThisACoreDuty": "true",
                "mappedKnowledge": [known, "not-in-this-file", known],
                "mappedSkills": None,
            }
        ]
    )
    (duty,) = parse_standard(document).duties

    assert duty == DutyData(
        code="D1", statement="Do the job.", core=True, ksb_official_ids=(known,)
    )


def test_standard_without_duties_has_none() -> None:
    assert parse_standard(minimal()).duties == ()
    assert parse_standard(minimal(duties=None)).duties == ()


def test_parsed_standard_is_immutable_and_hashable() -> None:
    standard = parse_standard(V1_0.read_bytes())

    with pytest.raises(AttributeError):
        standard.title = "Changed"  # type: ignore[misc]
    assert hash(standard) == hash(parse_standard(V1_0.read_bytes()))


# --- lenient where the real world varies ----------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("st0116 ", "ST0116"), ("ST 0116", "ST0116"), ("\tst0116\n", "ST0116")],
)
def test_reference_is_tidied_and_upper_cased(raw: str, expected: str) -> None:
    assert parse_standard(minimal(referenceNumber=raw)).reference == expected


@pytest.mark.parametrize(
    ("raw", "expected"), [("1.1", "1.1"), (1.1, "1.1"), (2, "2.0"), (" v1.2 ", "1.2")]
)
def test_version_accepts_number_or_text(raw: Any, expected: str) -> None:
    assert parse_standard(minimal(version=raw)).version == expected


@pytest.mark.parametrize(("level", "duration"), [(3, 18), ("3", "18"), (" 3 ", 18.0)])
def test_level_and_duration_accept_whole_numbers_as_text(level: Any, duration: Any) -> None:
    standard = parse_standard(minimal(level=level, typicalDuration=duration))
    assert (standard.level, standard.typical_duration_months) == (3, 18)


def test_level_and_duration_may_be_missing() -> None:
    standard = parse_standard(minimal(level=None, typicalDuration=""))
    assert (standard.level, standard.typical_duration_months) == (None, None)


def test_utf8_bytes_with_or_without_bom_parse() -> None:
    raw = V1_0.read_bytes()
    assert parse_standard(b"\xef\xbb\xbf" + raw) == parse_standard(raw)
    assert parse_standard("\ufeff" + raw.decode("utf-8")) == parse_standard(raw)


def test_a_single_standard_inside_a_list_is_accepted() -> None:
    assert parse_standard([load()]) == parse_standard(load())


def test_text_is_cleaned_of_control_characters_and_extra_whitespace() -> None:
    document = minimal(
        title="  Tiny\x00 \u200bstandard\n",
        knowledges=[{"knowledgeId": " k-1 ", "detail": "Line one\r\n\tline\x07 two\u202e  "}],
    )
    standard = parse_standard(document)

    assert standard.title == "Tiny standard"
    assert standard.ksbs[0].statement == "Line one line two"
    assert standard.ksbs[0].official_id == "k-1"


def test_a_ksb_without_an_id_is_accepted() -> None:
    standard = parse_standard(minimal(knowledges=[{"detail": "Something."}]))
    assert standard.ksbs[0].official_id is None


def test_catalogue_source_takes_its_note_from_the_file() -> None:
    document = minimal(_catalogue={"followsVersion": "1.0", "note": "Summarised by us."})

    assert parse_standard(document, source="catalogue").source_note == "Summarised by us."
    assert parse_standard(document, source="official").source_note is None


def test_unknown_source_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown standard source"):
        parse_standard(minimal(), source="internet")


# --- files that are not usable standards ----------------------------------------------------


def test_invalid_json_reports_line_and_column() -> None:
    raw = b'{\n  "referenceNumber": "ST0001",\n  "title" "Missing colon"\n}'
    assert rejection(raw) == "This file is not valid JSON (line 3, column 11)."


def test_bytes_that_are_not_utf8_are_rejected() -> None:
    message = rejection(b'{"title": "caf\xe9"}')
    assert message == "This file is not readable text (UTF-8), so it cannot be a standard file."


def test_not_a_standard_file_is_rejected() -> None:
    message = rejection((DATA / "not_a_standard.json").read_bytes())
    assert message == (
        "This file is not an apprenticeship standard: it has no 'knowledges', 'skills' or "
        "'behaviours' list."
    )


@pytest.mark.parametrize("raw", ["42", '"ST0116"', "null", "true", "[]", "[1]"])
def test_json_that_is_not_an_object_is_rejected(raw: str) -> None:
    assert "not an apprenticeship standard" in rejection(raw)


def test_a_list_of_several_standards_asks_for_one() -> None:
    message = rejection(json.dumps([load(), load(V1_1)]))
    assert "several standards" in message
    assert "your own standard" in message


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("referenceNumber", None, "has no reference number"),
        ("referenceNumber", "", "has no reference number"),
        ("referenceNumber", 116, "reference number is not text"),
        ("referenceNumber", "SD0116", "is not like ST0116"),
        ("referenceNumber", "ST01160", "is not like ST0116"),
        ("title", None, "has no title"),
        ("title", "  \n ", "has no title"),
        ("title", "x" * 301, "title is longer than 300 characters"),
        ("version", None, "has no version number"),
        ("version", "", "has no version number"),
        ("version", "latest", "is not a version number"),
        ("version", True, "is not a version number"),
        ("version", -1, "is not a version number"),
        ("level", "three", "level 'three' is not a whole number"),
        ("level", 0, "is not a whole number from 1 to 8"),
        ("level", 3.5, "is not a whole number"),
        ("level", True, "is not a whole number"),
        ("typicalDuration", "18 months", "typical duration in months"),
        ("typicalDuration", -6, "typical duration in months"),
        # Integers too long to print must not break the message either.
        pytest.param("level", 10**5000, "level '?' is not a whole number", id="huge-level"),
        pytest.param("version", 10**5000, "is not a version number", id="huge-version"),
        pytest.param(
            "minimumHoursForCompliance", 10**400, "not a positive number of hours", id="huge-hours"
        ),
    ],
)
def test_bad_top_level_fields_are_explained(field: str, value: Any, fragment: str) -> None:
    assert fragment in rejection(minimal(**{field: value}))


def test_missing_required_fields_are_explained() -> None:
    for field, fragment in [
        ("referenceNumber", "no reference number"),
        ("title", "no title"),
        ("version", "no version number"),
    ]:
        document = minimal()
        del document[field]
        assert fragment in rejection(document)


@pytest.mark.parametrize("value", ["abc", "0", "-5", "1e3", "NaN", "inf", 0, -1, 1e9, [], {}, True])
def test_bad_minimum_hours_are_rejected(value: Any) -> None:
    message = rejection(minimal(minimumHoursForCompliance=value))
    assert "minimum off-the-job hours" in message
    assert "is not a positive number of hours" in message


def test_json_nan_and_infinity_are_not_accepted() -> None:
    raw = json.dumps(minimal()).replace('"1.0"', "NaN")
    assert "not valid JSON" in rejection(raw)


def test_standard_with_empty_lists_is_rejected() -> None:
    message = rejection(minimal(knowledges=[], skills=[], behaviours=None))
    assert message == "This standard has no knowledge, skills or behaviours in it."


def test_a_ksb_list_that_is_not_a_list_is_rejected() -> None:
    assert rejection(minimal(skills={"skillId": "s"})) == "This standard's 'skills' is not a list."


@pytest.mark.parametrize("entry", ["Assemble widgets.", 7, None, ["detail"]])
def test_a_ksb_entry_that_is_not_an_object_is_rejected(entry: Any) -> None:
    document = minimal(skills=[{"detail": "Fine."}, entry])
    assert rejection(document) == "Item S2 in this standard is not in the expected format."


@pytest.mark.parametrize("detail", [None, "", "  \t ", 12, ["text"]])
def test_a_ksb_without_statement_text_is_rejected(detail: Any) -> None:
    document = minimal(behaviours=[{"behaviourId": "b-1", "detail": detail}])
    assert rejection(document) == "Item B1 in this standard has no statement text."


def test_a_ksb_with_a_missing_detail_key_is_rejected() -> None:
    document = load()
    del document["knowledges"][3]["detail"]
    assert rejection(document) == "Item K4 in this standard has no statement text."


def test_duplicate_official_ids_are_rejected() -> None:
    document = load()
    document["skills"][4]["skillId"] = document["knowledges"][1]["knowledgeId"].upper()
    assert rejection(document) == (
        "Items K2 and S5 in this standard have the same id, so the file looks damaged."
    )


@pytest.mark.parametrize("official_id", [123, ["a"], {"id": 1}, "x" * 101])
def test_a_bad_official_id_is_rejected(official_id: Any) -> None:
    document = minimal(knowledges=[{"knowledgeId": official_id, "detail": "Fine."}])
    assert "Item K1 in this standard has an id" in rejection(document)


def test_too_many_ksbs_are_rejected() -> None:
    document = minimal(skills=[{"detail": f"Skill {n}."} for n in range(MAX_KSBS)])
    assert "more than 500 knowledge, skills and behaviours" in rejection(document)


def test_a_statement_that_is_too_long_is_rejected() -> None:
    document = minimal(knowledges=[{"detail": "word " * 1001}])
    assert rejection(document) == "Item K1 in this standard is longer than 5000 characters."


def test_a_huge_file_is_rejected_before_parsing() -> None:
    assert "too large" in rejection(b" " * 5_000_001)


def test_deeply_nested_json_is_rejected() -> None:
    message = rejection("[" * 100_000 + "]" * 100_000)
    assert "nested too deeply" in message or "not an apprenticeship standard" in message


@pytest.mark.parametrize(
    ("duties", "fragment"),
    [
        ({"dutyDetail": "x"}, "'duties' is not a list"),
        (["Do the job."], "Duty D1 in this standard is not in the expected format"),
        ([{"dutyDetail": ""}], "Duty D1 in this standard has no statement text"),
        ([{"dutyDetail": "Do it.", "isThisACoreDuty": "maybe"}], "whether it is a core duty"),
        ([{"dutyDetail": "Do it.", "mappedSkills": "k-1"}], "linked items in an unexpected"),
        ([{"dutyDetail": "Do it.", "mappedSkills": [1, 2]}], "linked items in an unexpected"),
        ([{"dutyDetail": "Do it."}] * 201, "more than 200 duties"),
    ],
)
def test_bad_duties_are_explained(duties: Any, fragment: str) -> None:
    assert fragment in rejection(minimal(duties=duties))


# --- versions 1.0 and 1.1 of the test standard (used by later mapping tests) ----------------


def test_new_version_keeps_most_ids_but_not_all_codes() -> None:
    old = {k.official_id: k.code for k in parse_standard(V1_0.read_bytes()).ksbs}
    new = {k.official_id: k.code for k in parse_standard(V1_1.read_bytes()).ksbs}

    removed = old.keys() - new.keys()
    added = new.keys() - old.keys()
    moved = {i for i in old.keys() & new.keys() if old[i] != new[i]}
    assert [old[i] for i in removed] == ["K6"]
    assert [new[i] for i in added] == ["K3"]
    # K3..K5 shift down one to make room for the new K3; S3 and S4 swap places.
    assert sorted((old[i], new[i]) for i in moved) == [
        ("K3", "K4"), ("K4", "K5"), ("K5", "K6"), ("S3", "S4"), ("S4", "S3"),
    ]  # fmt: skip


def test_new_version_has_its_own_version_and_hours() -> None:
    standard = parse_standard(V1_1.read_bytes())
    assert (standard.reference, standard.version) == ("ST9999", "1.1")
    assert standard.minimum_hours == 420.0


# --- helpers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "position", "code"),
    [("knowledge", 1, "K1"), ("skill", 17, "S17"), ("behaviour", 3, "B3")],
)
def test_ksb_code_is_prefix_and_position(category: Any, position: int, code: str) -> None:
    assert ksb_code(category, position) == code


@pytest.mark.parametrize(("category", "position"), [("duty", 1), ("skill", 0), ("skill", True)])
def test_ksb_code_rejects_nonsense(category: Any, position: Any) -> None:
    with pytest.raises(ValueError, match="KSB"):
        ksb_code(category, position)


@pytest.mark.parametrize(
    ("statement", "title"),
    [
        ("Leading people: Understand different leadership styles.", "Leading people"),
        ("  Finance:   budgets and  value for money", "Finance"),
        ("Project management: plan it", "Project management"),
        ("Create logical and maintainable code", None),
        ("Algorithms for example:- arrays, stacks", None),
        ("Use the following: tools, drawings", None),
        ("Things to know, including: GDPR", None),
        ("See https://example.org for details", None),
        ("Meet at 10:30 each day", None),
        ("Title only:", None),
        (": starts with a colon", None),
        ("Works independently. For example: takes ownership", None),
        ("A very long opening phrase that keeps going and going well past ten words: rest", None),
        ("x" * 81 + ": rest", None),
    ],
)
def test_short_title(statement: str, title: str | None) -> None:
    assert short_title(statement) == title


# --- properties -----------------------------------------------------------------------------

JSON_VALUES = json_documents(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    st.text(max_size=12),
    max_size=4,
    max_leaves=20,
)
FIELD_NAMES = st.sampled_from(
    [
        "referenceNumber", "title", "version", "level", "typicalDuration",
        "minimumHoursForCompliance", "knowledges", "skills", "behaviours", "duties", "_catalogue",
    ]
)  # fmt: skip
KSB_ENTRY = st.dictionaries(
    st.sampled_from(["detail", "knowledgeId", "skillId", "behaviourId", "id"]), JSON_VALUES
)
DUTY_ENTRY = st.dictionaries(
    st.sampled_from(["dutyDetail", "isThisACoreDuty", "mappedKnowledge", "mappedSkills"]),
    JSON_VALUES,
)
STANDARD_LIKE = st.dictionaries(
    FIELD_NAMES,
    JSON_VALUES | st.lists(KSB_ENTRY, max_size=4) | st.lists(DUTY_ENTRY, max_size=3),
    max_size=11,
)


def parses_or_explains(raw: Any) -> None:
    """Parsing either succeeds or fails with a StandardFileError sentence: nothing else."""
    message = None
    try:
        standard = parse_standard(raw)
    except StandardFileError as error:
        message = str(error)
    else:
        assert isinstance(standard, StandardData)
    assert message is None or message.endswith(".")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(JSON_VALUES, STANDARD_LIKE))
def test_random_json_never_raises_anything_but_standard_file_error(value: Any) -> None:
    parses_or_explains(json.dumps(value))
    parses_or_explains(json.dumps(value).encode("utf-8"))
    parses_or_explains(value)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise_anything_but_standard_file_error(raw: bytes) -> None:
    parses_or_explains(raw)
    parses_or_explains(raw.decode("latin-1"))


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 200))
def test_random_damage_to_a_good_file_is_explained(seed: int) -> None:
    text = V1_0.read_text(encoding="utf-8")
    cut = (seed * 97) % len(text)
    parses_or_explains(text[:cut] + text[cut + 1 :])


VISIBLE_TEXT = st.text(
    st.characters(categories=["L", "N", "P", "S", "Zs"]), min_size=1, max_size=200
).filter(str.strip)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(VISIBLE_TEXT, max_size=5),
    st.lists(VISIBLE_TEXT, max_size=5),
    st.lists(VISIBLE_TEXT, min_size=1, max_size=5),
)
def test_any_well_formed_standard_gets_codes_by_position(
    knowledge: list[str], skills: list[str], behaviours: list[str]
) -> None:
    document = minimal(
        knowledges=[{"detail": d} for d in knowledge],
        skills=[{"detail": d} for d in skills],
        behaviours=[{"detail": d} for d in behaviours],
    )
    untouched = copy.deepcopy(document)
    standard = parse_standard(document)
    assert document == untouched  # the caller's data is never changed
    expected = (
        [f"K{n}" for n in range(1, len(knowledge) + 1)]
        + [f"S{n}" for n in range(1, len(skills) + 1)]
        + [f"B{n}" for n in range(1, len(behaviours) + 1)]
    )
    assert [k.code for k in standard.ksbs] == expected
    assert all(k.statement == " ".join(k.statement.split()) for k in standard.ksbs)
