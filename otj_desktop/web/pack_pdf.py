"""The evidence pack as a PDF file, made with fpdf2 (pure Python, well kept).

pywebview has no print API and its Qt backend ignores ``window.print()``, so "Save as PDF" makes
a real PDF here from the same :class:`~otj_desktop.domain.evidence_pack.Pack` the page shows.
Text is set in DejaVu Sans (vendored in ``static/vendor/dejavu``), embedded and subset, so names
with accents, dashes, Greek or Cyrillic print as typed; a character the font lacks (most CJK,
some emoji) prints as "?" rather than failing. Pages are A4 with "page X of Y" and the date
made in the footer; tables repeat their headings on each page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from otj_desktop.domain.activities import format_hours
from otj_desktop.domain.evidence_pack import CATEGORY_LABELS, Pack, PackActivity

FONT_DIR = Path(__file__).parent / "static" / "vendor" / "dejavu"
FONT = "DejaVu"
MUTED = (90, 100, 114)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


@cache
def _glyphs() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(FONT_DIR / "DejaVuSans.ttf") as font:
        return frozenset(font["cmap"].getBestCmap())


def printable(text: str) -> str:
    """Text the font can set: control and direction characters dropped, others it lacks '?'."""
    glyphs = _glyphs()
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\t", " "))
    return "".join(c if c == "\n" or ord(c) in glyphs else "?" for c in text)


class _PackPdf(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, printable(self.footer_text), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0, 0, 0)


def render_pdf(
    pack: Pack,
    *,
    apprentice: str,
    standard: str,
    period: str,
    made_on: date,
    uk_date: Callable[[date], str],
    type_label: Callable[[str], str],
    quality_label: Callable[[str], str],
) -> bytes:
    """The pack as PDF bytes."""
    pdf = _PackPdf(format="A4")
    pdf.set_title(printable(f"Evidence pack — {apprentice or 'apprentice'}"))
    pdf.set_author(printable(apprentice))
    pdf.set_creator("OTJ Desktop")
    pdf.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=18)
    pdf.footer_text = f"OTJ Desktop evidence pack · made {uk_date(made_on)}"
    pdf.add_page()
    w = pdf.epw

    def text(size: float, value: str, *, bold: bool = False, muted: bool = False, h: float = 0):
        pdf.set_font(FONT, "B" if bold else "", size)
        pdf.set_text_color(*(MUTED if muted else (0, 0, 0)))
        pdf.multi_cell(w, h or size * 0.5, printable(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)

    text(18, "Evidence pack", bold=True, h=9)
    text(11, apprentice or "Apprentice: not named in the profile")
    text(10, standard, muted=True)
    text(10, f"Period: {period}", muted=True)
    pdf.ln(3)

    # Totals
    text(13, "Totals", bold=True, h=7)
    count = len(pack.activities)
    text(
        10.5,
        f"Overall: {format_hours(pack.total_minutes)} hours from {count} "
        f"activit{'y' if count == 1 else 'ies'}; {pack.ksbs_with_evidence} of "
        f"{len(pack.ksbs)} KSBs shown have evidence.",
    )
    parts = [
        f"{label}: {format_hours(pack.category_minutes.get(key, 0))} hours"
        for key, label in CATEGORY_LABELS.items()
    ]
    text(10.5, " · ".join(parts))
    text(
        8.5,
        "An activity that evidences KSBs in more than one category counts in each of them, "
        "so the categories can add up to more than the overall total.",
        muted=True,
    )
    pdf.ln(2)
    _summary_table(pdf, pack)

    for entry in pack.ksbs:
        pdf.ln(4)
        k = entry.ksb
        heading = f"{k.code} — {k.title}" if k.title else k.code
        text(12, heading, bold=True, h=6)
        text(8.5, k.statement, muted=True)
        n = len(entry.activities)
        text(
            9.5,
            f"{format_hours(entry.minutes)} hours from {n} activit{'y' if n == 1 else 'ies'}",
            bold=True,
        )
        if entry.activities:
            _activity_table(pdf, entry.activities, pack, uk_date, type_label, quality_label)
        else:
            text(9.5, "No evidence in this period.", muted=True)
    if pack.unlinked:
        pdf.ln(4)
        text(12, "Not linked to a KSB yet", bold=True, h=6)
        _activity_table(pdf, pack.unlinked, pack, uk_date, type_label, quality_label)

    _sign_off(pdf, pack, text)
    return bytes(pdf.output())


def _summary_table(pdf: FPDF, pack: Pack) -> None:
    pdf.set_font(FONT, size=9)
    bold = FontFace(emphasis="BOLD", fill_color=(238, 241, 245))
    with pdf.table(
        col_widths=(14, 110, 22, 22),
        text_align=("LEFT", "LEFT", "RIGHT", "RIGHT"),
        headings_style=bold,
        line_height=4.6,
        repeat_headings=1,
    ) as table:
        head = table.row()
        for label in ("KSB", "Title", "Activities", "Hours"):
            head.cell(label)
        for entry in pack.ksbs:
            row = table.row()
            row.cell(printable(entry.ksb.code))
            row.cell(printable(entry.ksb.title or entry.ksb.statement[:140]))
            row.cell(str(len(entry.activities)))
            row.cell(format_hours(entry.minutes))


def _activity_table(
    pdf: FPDF,
    activities: list[PackActivity],
    pack: Pack,
    uk_date: Callable[[date], str],
    type_label: Callable[[str], str],
    quality_label: Callable[[str], str],
) -> None:
    pdf.set_font(FONT, size=8.5)
    bold = FontFace(emphasis="BOLD", fill_color=(238, 241, 245))
    muted = FontFace(color=MUTED, size_pt=8)
    with pdf.table(
        col_widths=(22, 80, 38, 24, 16),
        text_align=("LEFT", "LEFT", "LEFT", "LEFT", "RIGHT"),
        headings_style=bold,
        line_height=4.3,
        repeat_headings=1,
    ) as table:
        head = table.row()
        for label in ("Date", "Activity", "Type", "Quality", "Hours"):
            head.cell(label)
        for a in activities:
            row = table.row()
            row.cell(uk_date(a.activity_date))
            row.cell(printable(a.title))
            row.cell(printable(type_label(a.activity_type)))
            row.cell(printable(quality_label(a.evidence_quality)))
            row.cell(format_hours(a.minutes))
            if pack.options.descriptions and a.description:
                table.row().cell(printable(a.description), colspan=5, style=muted)


def _sign_off(pdf: FPDF, pack: Pack, text: Callable) -> None:
    # Keep the block together: start a page if less than ~ the block's height is left.
    needed = 30 + 32 * len(pack.options.signatories)
    if pdf.will_page_break(min(needed, 200)):
        pdf.add_page()
    pdf.ln(6)
    text(13, "Sign-off", bold=True, h=7)
    text(
        9,
        "We have reviewed this evidence together. Each signature confirms the activities "
        "above took place and are a fair record of the apprentice's off-the-job training.",
        muted=True,
    )
    for signatory in pack.options.signatories:
        pdf.ln(3)
        text(10.5, signatory.role, bold=True, h=6)
        for label, value in (
            ("Name", signatory.name),
            ("Role", signatory.job),
            ("Signature", ""),
            ("Date", ""),
        ):
            _line(pdf, label, value)


def _line(pdf: FPDF, label: str, value: str) -> None:
    pdf.set_font(FONT, size=9.5)
    pdf.set_text_color(*MUTED)
    pdf.cell(24, 7, label + ":")
    pdf.set_text_color(0, 0, 0)
    x, y = pdf.get_x(), pdf.get_y()
    pdf.cell(pdf.epw - 24, 7, printable(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.line(x, y + 6.5, pdf.l_margin + pdf.epw, y + 6.5)
