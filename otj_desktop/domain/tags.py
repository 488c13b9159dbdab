"""What a tag name may be when it is typed on its own (renaming a tag on the tags page).

Tags are typed comma-separated in the activity form (:func:`~otj_desktop.domain.activities.
parse_tags`), so a name can never hold a comma; otherwise the same cleaning applies.
"""

from __future__ import annotations

from otj_desktop.domain.activities import TAG_MAX, clean_line


def clean_tag_name(raw: str) -> str:
    """The name trimmed, inner spaces collapsed. Raises ValueError with a message to show."""
    name = clean_line(raw if isinstance(raw, str) else "")
    if not name:
        raise ValueError("Enter a name for the tag.")
    if "," in name:
        raise ValueError("A tag name can't contain a comma (commas separate tags).")
    if len(name) > TAG_MAX:
        raise ValueError(f"Keep the tag to {TAG_MAX} characters or fewer.")
    return name
