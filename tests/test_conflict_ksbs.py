"""The conflict page names every KSB, including links kept from another version of the standard."""

from __future__ import annotations

import re

from otj_desktop.standards.importer import parse_standard
from otj_desktop.store import profile as profile_store
from otj_desktop.store import standards as standard_store
from tests.conftest import activity_form, standard_json


def ksb_row(page: str) -> tuple[str, str]:
    table = page.split('<table class="compare">', 1)[1].split("</table>", 1)[0]
    row = re.search(
        r'<th scope="row">KSBs.*?</th>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>', table, re.S
    )
    assert row, table
    return row.group(1).strip(), row.group(2).strip()


def test_a_ksb_kept_from_another_version_is_named_with_its_version_never_as_a_question_mark(
    client, app, with_standard
):
    db = app.extensions["otj"].db
    with db.connection() as conn:
        [old_k1, *_] = standard_store.ksbs(conn, with_standard)
    location = client.post("/activities/new", activity_form(ksb_ids=[str(old_k1.id)])).headers[
        "Location"
    ]
    activity_id = int(location.rsplit("/", 1)[1])
    # The apprentice moves to v1.1 without the link being carried (as when a switch cannot
    # map a KSB): the activity keeps its link to v1.0's K1.
    with db.transaction() as tx:
        newer = standard_store.add(tx, parse_standard(standard_json("standard_st9999_v1_1.json")))
        profile_store.set_standard(tx, newer.standard_id)
    with db.connection() as conn:
        new_k2 = standard_store.ksbs(conn, newer.standard_id)[1]
    old = str(old_k1.id)
    client.post(
        f"/activities/{activity_id}/edit",
        activity_form(title="Theirs", ksb_ids=[old], version="1"),
    )
    response = client.post(
        f"/activities/{activity_id}/edit",
        activity_form(title="Mine", ksb_ids=[old, str(new_k2.id)], version="1"),
    )
    assert response.status_code == 409
    theirs, mine = ksb_row(response.get_data(as_text=True))
    assert theirs == "K1 (ST9999 v1.0)"
    assert mine == f"K1 (ST9999 v1.0), {new_k2.code}"
