"""The resource-link rows of the activity form: reading them, and the rows to show.

Kept out of ``web/activities.py`` so the form's other parts and these rows can change apart.
Without scripts the form shows the activity's links plus a few empty rows, a "Remove" tick box
per row, and an "Add more rows" button that sends the form back with everything typed and more
empty rows (nothing is saved). ``static/js/resource-links.js`` swaps those for buttons that add
and remove rows in place; the server reads whatever numbered rows arrive either way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from otj_desktop.domain.activities import ActivityInput, InvalidActivity
from otj_desktop.domain.resource_links import (
    EMPTY_ROWS,
    link_rows,
    parse_link_rows,
    rows_from_form,
)

ADD_ROWS_BUTTON = "add_link_rows"


def wants_more_rows(form: Mapping[str, str]) -> bool:
    """The no-script "Add more rows" button was pressed (show the form again, save nothing)."""
    return ADD_ROWS_BUTTON in form


def with_links(validate: Any, form: Mapping[str, str]) -> ActivityInput:
    """Run the activity's own checks (``validate()``) and the links' together, so a refused
    form lists every problem at once. Raises :class:`InvalidActivity`."""
    links, link_errors = parse_link_rows(form)
    try:
        data = validate()
    except InvalidActivity as invalid:
        raise InvalidActivity({**invalid.errors, **link_errors}) from None
    if link_errors:
        raise InvalidActivity(link_errors)
    return replace(data, resource_links=links)


def rows_for(values: Any, *, more: bool = False) -> list[dict[str, str]]:
    """The rows to show: as typed when ``values`` is a submitted form, else the activity's."""
    if hasattr(values, "getlist"):
        return rows_from_form(values, extra=EMPTY_ROWS if more else 0) or link_rows([])
    return link_rows(list(values.get("resource_links", [])))
