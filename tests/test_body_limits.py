"""A valid entry is never refused as too large; what is too large says so and how to go back.

Audit item 10: an activity with 20,000 characters of CJK in both the description and the notes
(valid) was over the 256 KB default body limit: the save answered 413 and everything typed was
gone. The activity form's limit is now worked out from the validation limits
(``web/activities.py``), and these tests send the largest valid form there can be.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

from otj_desktop.domain import activities as rules
from otj_desktop.domain import resource_links as link_rules
from otj_desktop.domain import templates as template_rules
from otj_desktop.domain.resource_links import parse_link_rows
from otj_desktop.store import activities as activity_store
from otj_desktop.web.activities import ACTIVITY_FORM_LIMIT
from otj_desktop.web.security import DEFAULT_BODY_LIMIT
from tests.archive_helpers import fingerprint
from tests.conftest import activity_form

WIDE = "😀"  # 4 bytes in UTF-8, 12 once percent-encoded: the widest character a form can send


def tags(n: int, length: int) -> str:
    return ", ".join(f"{i:02d}" + WIDE * (length - 2) for i in range(n))


def largest_activity_form() -> dict[str, str]:
    form = activity_form(
        title=WIDE * rules.TITLE_MAX,
        description=WIDE * rules.TEXT_MAX,
        notes=WIDE * rules.TEXT_MAX,
        delivered_by=WIDE * rules.SHORT_TEXT_MAX,
        location=WIDE * rules.SHORT_TEXT_MAX,
        tags=tags(rules.TAGS_PER_ACTIVITY_MAX, rules.TAG_MAX),
    )
    prefix = "https://example.com/"
    for n in range(link_rules.LINKS_PER_ACTIVITY_MAX):
        form.update(
            {
                f"links-{n}-stage": "capture",
                f"links-{n}-source": "website",
                f"links-{n}-title": WIDE * link_rules.LINK_TITLE_MAX,
                f"links-{n}-url": prefix + WIDE * (link_rules.URL_MAX - len(prefix)),
                f"links-{n}-description": WIDE * link_rules.LINK_DESCRIPTION_MAX,
            }
        )
    return form


def encoded_size(form: dict[str, str]) -> int:
    return len(urlencode(form).encode())


def test_the_largest_valid_activity_is_saved_whole(client, app):
    form = largest_activity_form()
    assert parse_link_rows(form)[1] == {}
    assert encoded_size(form) > 8 * DEFAULT_BODY_LIMIT  # far past the old limit

    response = client.post("/activities/new", form)

    assert response.status_code == 302, response.status_code
    activity_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.extensions["otj"].db.connection() as conn:
        stored = activity_store.get(conn, activity_id)
    assert stored.description == form["description"] and stored.notes == form["notes"]
    assert len(stored.resource_links) == link_rules.LINKS_PER_ACTIVITY_MAX
    assert len(stored.tags) == rules.TAGS_PER_ACTIVITY_MAX

    edited = client.post(
        f"/activities/{activity_id}/edit", {**form, "title": "Edited", "version": "1"}
    )
    assert edited.status_code == 302, edited.status_code


def test_the_audits_cjk_entry_is_saved(client, app):
    """The audit's case: 20,000 characters of 漢 in the description and the notes."""
    form = activity_form(description="漢" * 20_000, notes="漢" * 20_000)

    response = client.post("/activities/new", form)

    assert response.status_code == 302


def test_a_form_past_the_limit_explains_and_changes_nothing(client, app):
    db = app.extensions["otj"].db
    before = fingerprint(db)
    form = activity_form(description="x" * ACTIVITY_FORM_LIMIT)

    response = client.post("/activities/new", form)

    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "<title>Too large — OTJ Desktop</title>" in page
    assert "this form takes up to 2.6 MB" in page
    assert "Back button" in page and "usually still holds what you typed" in page
    assert fingerprint(db) == before


def test_an_upload_past_the_limit_says_to_choose_a_smaller_file(client):
    response = client.post(
        "/backups/settings",
        {"copy_folder": (io.BytesIO(b" " * (DEFAULT_BODY_LIMIT + 1)), "big.bin")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "this form takes up to 256 KB" in page and "choose a smaller file" in page


def test_the_largest_valid_template_fits_the_default_limit(client, app, with_standard):
    form = {
        "name": WIDE * template_rules.NAME_MAX,
        "title": WIDE * rules.TITLE_MAX,
        "activity_type": "mentoring",
        "duration_hours": "1",
        "delivered_by": WIDE * rules.SHORT_TEXT_MAX,
        "location": WIDE * rules.SHORT_TEXT_MAX,
        "tags": tags(rules.TAGS_PER_ACTIVITY_MAX, rules.TAG_MAX),
        "recurring": "1",
        "weekday": "1",
        "active": "1",
    }
    with app.extensions["otj"].db.connection() as conn:
        ksb_ids = [r[0] for r in conn.execute("SELECT id FROM ksb")]
    body = {**form, "ksb_ids": ksb_ids}
    assert len(urlencode(body, doseq=True).encode()) < DEFAULT_BODY_LIMIT / 4

    response = client.post("/templates/new", body)

    assert response.status_code == 302
