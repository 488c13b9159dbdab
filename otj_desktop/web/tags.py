"""The tags page: every tag with how many activities use it; rename (or merge) and delete.

Renaming and deleting have pages of their own rather than forms inside the list, because the
list is a live region (it is re-rendered when any window changes an activity or a tag) and a
form being typed in must never sit inside one.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from otj_desktop.domain.tags import clean_tag_name
from otj_desktop.store import stats
from otj_desktop.store import tags as tag_store
from otj_desktop.web.context import get_conn, write

bp = Blueprint("tags", __name__, url_prefix="/tags")


@bp.get("")
def index() -> str:
    return render_template("tags/index.html", tags=stats.tag_counts(get_conn()))


@bp.get("/<int:tag_id>/rename")
def rename_form(tag_id: int) -> str:
    tag = _get_or_404(tag_id)
    return render_template("tags/rename.html", tag=tag, values={"name": tag.name}, errors={})


@bp.post("/<int:tag_id>/rename")
def rename(tag_id: int) -> Response | tuple[str, int]:
    tag = _get_or_404(tag_id)
    raw = request.form.get("name", "")
    try:
        name = clean_tag_name(raw)
    except ValueError as exc:
        return (
            render_template(
                "tags/rename.html", tag=tag, values={"name": raw}, errors={"name": str(exc)}
            ),
            422,
        )
    try:
        with write() as tx:
            result = tag_store.rename(tx, tag_id, name)
    except tag_store.TagNotFound:
        flash("That tag was deleted or merged in another window.", "error")
        return redirect(url_for(".index"))
    if result.merged:
        flash(f"Merged “{tag.name}” into “{result.tag.name}”.", "success")
    elif result.changed:
        flash(f"Renamed “{tag.name}” to “{result.tag.name}”.", "success")
    else:
        flash("The name is the same, so nothing changed.", "info")
    return redirect(url_for(".index"))


@bp.get("/<int:tag_id>/delete")
def confirm_delete(tag_id: int) -> str:
    tag = _get_or_404(tag_id)
    count = next((t.activity_count for t in stats.tag_counts(get_conn()) if t.id == tag.id), 0)
    return render_template("tags/delete.html", tag=tag, count=count)


@bp.post("/<int:tag_id>/delete")
def delete(tag_id: int) -> Response:
    try:
        with write() as tx:
            tag = tag_store.delete(tx, tag_id)
    except tag_store.TagNotFound:
        flash("That tag was already deleted or merged in another window.", "info")
        return redirect(url_for(".index"))
    flash(f"Deleted the tag “{tag.name}”; its activities are kept.", "success")
    return redirect(url_for(".index"))


def _get_or_404(tag_id: int) -> tag_store.Tag:
    try:
        return tag_store.get(get_conn(), tag_id)
    except tag_store.TagNotFound:
        abort(404)
