"""The cover sheet filed with a county's petition sections: what is handed over
(each section with its code, declared dates and raw count, and the returned
wet-ink forms), the totals in large type, and the proponent's signature line.

US Letter, black and white (it is photocopied and stamped at the counter). The
totals are the sums of the rows printed, so the sheet always agrees with itself.
"""

from __future__ import annotations

import io
from datetime import date
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from petitions.models import County, Petition
from petitions.reports.filing import filed_sections, returned_form_codes

MARGIN = 0.75 * inch
WIDTH = LETTER[0] - 2 * MARGIN
FORM_CODES_PER_ROW = 5

_BASE = ParagraphStyle("base", fontName="Helvetica", fontSize=10, leading=13)
STYLES = {
    "kicker": ParagraphStyle("kicker", _BASE, fontName="Helvetica-Bold", fontSize=9, leading=12),
    "title": ParagraphStyle("title", _BASE, fontName="Helvetica-Bold", fontSize=18, leading=22, spaceBefore=4),
    "filed_with": ParagraphStyle("filed_with", _BASE, fontSize=13, leading=17, spaceBefore=10),
    "body": _BASE,
    "heading": ParagraphStyle(
        "heading", _BASE, fontName="Helvetica-Bold", fontSize=12, leading=15, spaceBefore=14, spaceAfter=6
    ),
    "big": ParagraphStyle("big", _BASE, fontName="Helvetica-Bold", fontSize=40, leading=44, alignment=TA_CENTER),
    "big_label": ParagraphStyle("big_label", _BASE, fontSize=11, leading=14, alignment=TA_CENTER),
    "small": ParagraphStyle("small", _BASE, fontSize=8, leading=10),
}
GRID = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
        ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
)


class _NumberedCanvas(Canvas):
    """Holds each page back until the last, so every footer can say "Page n of N"
    (a page missing from the pile at the counter shows)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._held: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        for state in self._held:
            self.__dict__.update(state)
            self.setFont("Helvetica", 8)
            self.drawRightString(LETTER[0] - MARGIN, MARGIN / 2, f"Page {self._pageNumber} of {len(self._held)}")
            super().showPage()
        super().save()


def _day(value: date | None) -> str:
    return f"{value:%B} {value.day}, {value.year}" if value else "-"


def _short_day(value: date | None) -> str:
    return f"{value:%m/%d/%Y}" if value else "-"


def _totals_in_large_type(documents: int, raw: int) -> Table:
    cells = [
        [Paragraph(f"{documents:,}", STYLES["big"]), Paragraph(f"{raw:,}", STYLES["big"])],
        [Paragraph("sections filed", STYLES["big_label"]), Paragraph("signatures (raw count)", STYLES["big_label"])],
    ]
    table = Table(cells, colWidths=[WIDTH / 2] * 2)
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.5, colors.black),
                ("LINEAFTER", (0, 0), (0, -1), 0.75, colors.black),
                ("TOPPADDING", (0, 0), (-1, 0), 10),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 10),
            ]
        )
    )
    return table


def _sections_table(sections: list, raw: int) -> Table:
    rows = [["Section", "Code", "Signatures obtained", "Declaration signed", "Raw"]]
    for section in sections:
        rows.append(
            [
                section.number,
                section.code,
                f"{_short_day(section.signed_from)} to {_short_day(section.signed_to)}",
                _short_day(section.declaration_date),
                f"{section.raw:,}",
            ]
        )
    rows.append([f"{len(sections):,} sections", "", "", "", f"{raw:,}"])
    table = Table(rows, colWidths=[1.5 * inch, 1.3 * inch, 1.9 * inch, 1.4 * inch, WIDTH - 6.1 * inch], repeatRows=1)
    table.setStyle(GRID)
    table.setStyle(
        TableStyle(
            [
                ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
                ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 9),
                ("LINEABOVE", (0, -1), (-1, -1), 1, colors.black),
            ]
        )
    )
    return table


def _forms_table(codes: list[str]) -> Table:
    rows = [codes[start : start + FORM_CODES_PER_ROW] for start in range(0, len(codes), FORM_CODES_PER_ROW)]
    rows[-1] += [""] * (FORM_CODES_PER_ROW - len(rows[-1]))
    table = Table(rows, colWidths=[WIDTH / FORM_CODES_PER_ROW] * FORM_CODES_PER_ROW)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Courier", 9),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.black),
            ]
        )
    )
    return table


def _totals_table(sections: int, lines: int, forms: int) -> Table:
    rows = [
        ["Petition sections", f"{sections:,}", "signatures on them", f"{lines:,}"],
        ["Single-signature wet-ink forms", f"{forms:,}", "signatures on them", f"{forms:,}"],
        ["Sections filed", f"{sections + forms:,}", "Raw count", f"{lines + forms:,}"],
    ]
    table = Table(rows, colWidths=[2.4 * inch, 0.9 * inch, 1.9 * inch, WIDTH - 5.2 * inch])
    table.setStyle(GRID)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 10),
                ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 11),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("ALIGN", (3, 0), (3, -1), "RIGHT"),
                ("LINEABOVE", (0, -1), (-1, -1), 1, colors.black),
                ("LINEBELOW", (0, -1), (-1, -1), 1, colors.black),
            ]
        )
    )
    return table


def _signature_block() -> KeepTogether:
    line = "_" * 46
    rows = [
        [line, "_" * 20],
        ["Signature of the proponent or the proponent's agent", "Date"],
        ["", ""],
        [line, ""],
        ["Printed name", ""],
    ]
    table = Table(rows, colWidths=[4.4 * inch, WIDTH - 4.4 * inch])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("TOPPADDING", (0, 0), (-1, 0), 24),
                ("TOPPADDING", (0, 3), (-1, 3), 12),
            ]
        )
    )
    return KeepTogether([Paragraph("Filed by", STYLES["heading"]), table])


def cover_sheet_pdf(petition: Petition, county: County, *, filed_on: date | None = None) -> bytes:
    """Filed with the county: in English whatever the volunteer's browser says (_cover_sheet_pdf)."""
    with translation.override("en"):
        return _cover_sheet_pdf(petition, county, filed_on=filed_on)


def _cover_sheet_pdf(petition: Petition, county: County, *, filed_on: date | None = None) -> bytes:
    """The county's cover sheet as PDF bytes; `filed_on` defaults to today."""
    filed_on = filed_on or timezone.localdate()
    sections = list(filed_sections(petition, county))
    form_codes = list(returned_form_codes(petition, county))
    lines = sum(section.raw for section in sections)

    story = [
        Paragraph("PETITION FILING: COVER SHEET", STYLES["kicker"]),
        Paragraph(escape(petition.title), STYLES["title"]),
        Paragraph(escape(petition.get_kind_display()), STYLES["body"]),
        Paragraph(f"Filed with the <b>{escape(county.name)} County</b> elections official", STYLES["filed_with"]),
        Paragraph(f"Date: {_day(filed_on)}", STYLES["filed_with"]),
        Spacer(1, 14),
        _totals_in_large_type(len(sections) + len(form_codes), lines + len(form_codes)),
        Paragraph(
            f"{len(sections):,} petition sections and {len(form_codes):,} single-signature wet-ink forms. "
            "The raw count is every signature line, as filed.",
            STYLES["small"],
        ),
        Paragraph("Petition sections", STYLES["heading"]),
    ]
    story.append(_sections_table(sections, lines) if sections else Paragraph("None.", STYLES["body"]))
    story.append(Paragraph("Single-signature sections (returned wet-ink forms, one signature each)", STYLES["heading"]))
    story.append(_forms_table(form_codes) if form_codes else Paragraph("None.", STYLES["body"]))
    story += [
        Paragraph("Totals", STYLES["heading"]),
        _totals_table(len(sections), lines, len(form_codes)),
        _signature_block(),
    ]

    footer = f"{petition.title} | {county.name} County | filed {_short_day(filed_on)}"

    def draw_footer(canvas: Canvas, document: SimpleDocTemplate) -> None:
        canvas.setFont("Helvetica", 8)
        canvas.drawString(MARGIN, MARGIN / 2, footer)

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{petition.title}: filing with {county.name} County",
        author="",
    )
    document.build(story, onFirstPage=draw_footer, onLaterPages=draw_footer, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()
