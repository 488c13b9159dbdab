"""Where the planning features (templates, drafts, entry checks) join the activity pages.

The activities blueprint calls these few functions, so its own code stays about activities and
the planning parts can change without touching it: the drafts list on the list page, a template
applied to the new-activity form, "Save and confirm" for a draft, and the warnings flashed after
a save.
"""

from __future__ import annotations

from collections.abc import Mapping

from otj_desktop.store import drafts as draft_store
from otj_desktop.store import templates as template_store
from otj_desktop.web.activity_templates import prefill as template_prefill
from otj_desktop.web.context import get_conn
from otj_desktop.web.entry_checks import flash_warnings

__all__ = [
    "drafts_context",
    "flash_warnings",
    "form_context",
    "status_on_save",
    "template_prefill",
]


def drafts_context(limit: int = draft_store.DRAFTS_SHOWN) -> dict:
    """What ``drafts/_to_review.html`` needs."""
    conn = get_conn()
    drafts, count = draft_store.to_review(conn, limit)
    return {
        "drafts": drafts,
        "draft_count": count,
        "draft_sources": draft_store.made_from(conn, [d.id for d in drafts]),
    }


def form_context(activity, template_notice: Mapping | None) -> dict:
    """What the activity form's planning parts need: the templates to start from (new
    activities only) and what applying one did."""
    templates = template_store.all_templates(get_conn()) if activity is None else []
    return {"templates": templates, "template_notice": template_notice or {}}


def status_on_save(activity, form: Mapping) -> str | None:
    """``"confirmed"`` when a draft is saved with "Save and confirm"; else None (unchanged)."""
    if activity.is_draft and form.get("confirm") == "1":
        return "confirmed"
    return None
