"""What the wet-ink form and the blank petition sections share: the page, the
fonts, the paragraph styles, the legal blocks every petition section must
carry (EC 9001, 9008, 9014, 9020-9022, 101, 104), the code block intake scans,
and a footer that repeats the code and "page N of M" on every page so that a
page that comes loose can still be matched to its document.

Everything is drawn by reportlab's platypus: flowables never overlap, and long
text flows onto further pages above the footer.

Every word of the form is translatable (gettext, drawn in the active language:
the wet-ink form runs under translation.override(signature.language)); the
measure's own words come from selectors.petition_legal_text, the campaign's
filed translation, English with a note where none was filed (docs/i18n.md).
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import font_source_sans_pro
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from petitions.models import County, Petition
from petitions.selectors import LegalText, petition_legal_text

# --- The page ---------------------------------------------------------------

PAGE_WIDTH, PAGE_HEIGHT = letter
MARGIN = 0.5 * inch
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
# Printers leave up to about 0.4 in unprinted at the bottom: the footer's barcode sits above that.
FOOTER_BOTTOM = 0.45 * inch
FOOTER_TOP = 1.0 * inch  # the footer's rule; nothing of the story is drawn below it
FRAME_BOTTOM = FOOTER_TOP + 6

LIGHT_GRAY = colors.Color(0.9, 0.9, 0.9)  # the official-use boxes: light enough for any black-and-white printer

# --- Fonts ------------------------------------------------------------------
# Standard Helvetica covers Latin-1 only and would print "Nguyễn" with holes.
# Source Sans Pro (SIL OFL) covers Latin Extended and Vietnamese; it comes from
# a pinned PyPI package so the Docker image, CI and developers all have it.

FONT = "PetitionSans"
FONT_BOLD = "PetitionSans-Bold"
FONT_ITALIC = "PetitionSans-Italic"
FONT_BOLD_ITALIC = "PetitionSans-BoldItalic"
_FONT_FILES = {
    FONT: "SourceSansPro-Regular.ttf",
    FONT_BOLD: "SourceSansPro-Bold.ttf",
    FONT_ITALIC: "SourceSansPro-It.ttf",
    FONT_BOLD_ITALIC: "SourceSansPro-BoldIt.ttf",
}


def fonts_register() -> None:
    """Register the TrueType family once per process (reportlab's registry is global)."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    directory = Path(font_source_sans_pro.font_directory)
    for name, file_name in _FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(directory / file_name)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD_ITALIC)


fonts_register()

# Chinese (and any CJK script) is not in Source Sans Pro: text with CJK characters is drawn
# in a TrueType CJK font, by default AR PL UMing TW (Debian's fonts-arphic-uming; its .ttc
# holds TrueType outlines, which reportlab can embed, unlike the CFF Noto CJK fonts).
# settings.PDF_CJK_FONT / PDF_CJK_FONT_INDEX (the face within a .ttc) choose another.
FONT_CJK = "PetitionCJK"
DEFAULT_CJK_FONT = "/usr/share/fonts/truetype/arphic/uming.ttc"
DEFAULT_CJK_FONT_INDEX = 2  # "AR PL UMing TW": Taiwan's (Traditional) character forms
_CJK = re.compile(
    "[\u2e80-\u2fff\u3000-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]"
)


def cjk_font_register() -> str:
    """Register the CJK font once per process; a clear error when it is not installed."""
    if FONT_CJK in pdfmetrics.getRegisteredFontNames():
        return FONT_CJK
    path = Path(settings.PDF_CJK_FONT or DEFAULT_CJK_FONT)
    index = settings.PDF_CJK_FONT_INDEX
    if not path.is_file():
        raise ImproperlyConfigured(
            f"The wet-ink form in Chinese needs a TrueType CJK font at {path} (settings.PDF_CJK_FONT): "
            "install Debian's fonts-arphic-uming, or point PDF_CJK_FONT at another TrueType (not CFF) font."
        )
    pdfmetrics.registerFont(TTFont(FONT_CJK, str(path), subfontIndex=index if path.suffix == ".ttc" else 0))
    pdfmetrics.registerFontFamily(FONT_CJK, normal=FONT_CJK, bold=FONT_CJK, italic=FONT_CJK, boldItalic=FONT_CJK)
    return FONT_CJK


def has_cjk(value: str) -> bool:
    return bool(_CJK.search(value))


def font_for(value: str, font: str = FONT) -> str:
    """`font`, or the CJK font when `value` has CJK characters (the canvas's own strings)."""
    return cjk_font_register() if has_cjk(value) else font


@cache
def _cjk_style(style: ParagraphStyle) -> ParagraphStyle:
    return ParagraphStyle(f"{style.name}-cjk", parent=style, fontName=cjk_font_register(), wordWrap="CJK")


def paragraph(markup: str, style: ParagraphStyle) -> Paragraph:
    """A Paragraph in `style`, in the CJK font (and CJK line breaking) when its text has
    CJK characters: a translated label in Chinese; a Latin name or the English text
    of the measure keeps Source Sans Pro and its accents."""
    return Paragraph(markup, _cjk_style(style) if has_cjk(markup) else style)


# --- Paragraph styles -------------------------------------------------------

BODY = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12)
BODY_JUSTIFIED = ParagraphStyle("body-justified", parent=BODY, alignment=TA_JUSTIFY)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, leading=10)
HEADING = ParagraphStyle("heading", fontName=FONT_BOLD, fontSize=15, leading=18)
SUBHEADING = ParagraphStyle("subheading", fontName=FONT_BOLD, fontSize=10.5, leading=13, spaceBefore=2, spaceAfter=3)
COUNTY = ParagraphStyle("county", fontName=FONT_BOLD, fontSize=19, leading=22)
SECTION_NUMBER = ParagraphStyle("section-number", fontName=FONT_BOLD, fontSize=13, leading=16)
TITLE = ParagraphStyle("title", fontName=FONT_BOLD, fontSize=11, leading=13.5, spaceAfter=2)
NOTICE = ParagraphStyle("notice", fontName=FONT_BOLD, fontSize=10, leading=12.5, alignment=TA_CENTER)
DECLARATION = ParagraphStyle("declaration", parent=BODY_JUSTIFIED, fontSize=9, leading=11.5)
LABEL = ParagraphStyle("label", fontName=FONT_BOLD, fontSize=6.5, leading=7.5)
VALUE = ParagraphStyle("value", fontName=FONT, fontSize=11, leading=13)
OFFICIAL_USE = ParagraphStyle("official-use", parent=LABEL, alignment=TA_CENTER)
LINE_NUMBER = ParagraphStyle("line-number", fontName=FONT_BOLD, fontSize=14, leading=16, alignment=TA_CENTER)
# EC 9014 asks for the measure's text in type no smaller than 8 point.
MEASURE = ParagraphStyle("measure", fontName=FONT, fontSize=9, leading=11.5, spaceAfter=5, alignment=TA_JUSTIFY)

CELL_PADDING = 3


def text(value: object) -> str:
    """`value` as Paragraph markup: NFC (reportlab draws one glyph per code point,
    so a decomposed "ễ" would print its accents apart) and XML-escaped."""
    return escape(unicodedata.normalize("NFC", str(value or "")))


# --- Who may sign -----------------------------------------------------------


def county_label(county: County) -> str:
    """'County of Sacramento'; San Francisco is a city and county. (County names are proper names.)"""
    if county.name == "San Francisco":
        return _("City and County of San Francisco")
    return _("County of %(county)s") % {"county": county.name}


def county_residents(county: County) -> str:
    if county.name == "San Francisco":
        return _("the City and County of San Francisco")
    return _("%(county)s County") % {"county": county.name}


def measure_heading(petition: Petition) -> str:
    """The heading the Elections Code prescribes for the kind of petition."""
    if petition.kind == Petition.Kind.REFERENDUM:
        return _("Referendum against an act passed by the Legislature")
    return _("Initiative measure to be submitted directly to the voters")


def header(petition: Petition, county: County, *, kind_line: str, code: str, number: str = "") -> Table:
    """The top of page 1: the heading, what this document is (and the section's
    number), the county in large type and who may sign it (EC 9021) on the left;
    the code block on the right."""
    code_block = CodeBlock(code)
    left: list[Flowable] = [
        paragraph(text(measure_heading(petition).upper()), HEADING),
        Spacer(0, 3),
        paragraph(text(kind_line), BODY),
    ]
    if number:
        left += [
            Spacer(0, 5),
            paragraph(text(_("PETITION SECTION No. %(number)s") % {"number": number}), SECTION_NUMBER),
        ]
    left += [
        Spacer(0, 8),
        paragraph(text(county_label(county).upper()), COUNTY),
        Spacer(0, 2),
        paragraph(
            text(
                _("Only registered voters of %(residents)s may sign this petition section (Elections Code 9021).")
                % {"residents": county_residents(county)}
            ),
            BODY,
        ),
    ]
    table = Table([[left, code_block]], colWidths=[CONTENT_WIDTH - code_block.width - 12, code_block.width + 12])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
            ]
        )
    )
    return table


# --- The legal blocks ---------------------------------------------------------


def legal_text(petition: Petition, legal: LegalText | None = None) -> LegalText:
    """The measure's words in the active language (the filed translation, else English)."""
    return legal if legal is not None else petition_legal_text(petition)


def shown_in_english_note() -> str:
    """The note, in the form's language, that the measure's words below are the English ones
    because no official translation was filed for it (the software never translates them)."""
    # Translators: name your own language, e.g. "... de esta medida en español ...".
    return _("[The official text of this measure in your language has not been filed; it is shown in English.]")


def title_and_summary(petition: Petition, legal: LegalText | None = None) -> list[Flowable]:
    """The Attorney General's title and summary (EC 9008), in the filed translation when there is one."""
    legal = legal_text(petition, legal)
    summary = legal.summary.strip()
    flowables: list[Flowable] = [
        paragraph(
            text(
                _(
                    "The Attorney General of California has prepared the following title and summary of the chief "
                    "purposes and points of the proposed measure:"
                )
            ),
            SMALL,
        ),
        Spacer(0, 3),
    ]
    if "title" in legal.in_english or "summary" in legal.in_english:
        flowables.append(paragraph(f"<i>{text(shown_in_english_note())}</i>", SMALL))
    flowables += [
        paragraph(text(legal.title.upper()), TITLE),
        paragraph(text(summary or _("[The Attorney General's summary has not been entered yet.]")), BODY_JUSTIFIED),
    ]
    return flowables


def notice_to_the_public() -> Table:
    """EC 101: who may circulate it, and the signer's right to ask."""
    notice = paragraph(
        text(
            _(
                "NOTICE TO THE PUBLIC: THIS PETITION MAY BE CIRCULATED BY A PAID SIGNATURE GATHERER OR A VOLUNTEER. "
                "YOU HAVE THE RIGHT TO ASK."
            )
        ),
        NOTICE,
    )
    table = Table([[notice]], colWidths=[CONTENT_WIDTH])
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.5, colors.black),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def petition_to_the_secretary_of_state(petition: Petition, county: County) -> Paragraph:
    """The petition's own words (EC 9008, 9101): who asks what of the Secretary of State."""
    residents = {"residents": county_residents(county)}
    if petition.kind == Petition.Kind.REFERENDUM:
        body = _(
            "We, the undersigned, registered and qualified voters of California, residents of %(residents)s, "
            "hereby ask that the act of the Legislature whose full text is printed in this section be submitted "
            "to the voters of California for their approval or rejection, as provided by Section 9 of Article II "
            "of the California Constitution."
        )
    elif petition.kind == Petition.Kind.CONSTITUTIONAL_AMENDMENT:
        body = _(
            "We, the undersigned, registered, qualified voters of California, residents of %(residents)s, hereby "
            "propose amendments to the Constitution of California and petition the Secretary of State to submit "
            "the same to the voters of California for their adoption or rejection at the next succeeding general "
            "election or at any special statewide election held prior to that general election or as otherwise "
            "provided by law. The full title and text of the proposed constitutional amendments are printed on "
            "the following pages of this section."
        )
    else:
        body = _(
            "We, the undersigned, registered, qualified voters of California, residents of %(residents)s, hereby "
            "propose the initiative statute printed in this section and petition the Secretary of State to submit "
            "the same to the voters of California for their adoption or rejection at the next succeeding general "
            "election or at any special statewide election held prior to that general election or as otherwise "
            "provided by law. The full title and text of the proposed statute are printed on the following pages "
            "of this section."
        )
    heading = _("To the Honorable Secretary of State of California:")
    return paragraph(f"<b>{text(heading)}</b> {text(body % residents)}", SMALL)


_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def measure_text(petition: Petition, legal: LegalText | None = None) -> list[Flowable]:
    """The full title and text of the measure (EC 9001, 9014), one Paragraph per
    blank-line-separated paragraph so that it splits across pages; the author's
    line breaks inside a paragraph are kept (section headings, lists). The filed
    translation when there is one; else the English text, with a note."""
    legal = legal_text(petition, legal)
    flowables: list[Flowable] = [
        paragraph(text(_("FULL TITLE AND TEXT OF THE PROPOSED MEASURE")), SUBHEADING),
    ]
    if "title" in legal.in_english or "measure_text" in legal.in_english:
        flowables.append(paragraph(f"<i>{text(shown_in_english_note())}</i>", SMALL))
    flowables += [paragraph(text(legal.title.upper()), TITLE), Spacer(0, 4)]
    body = legal.measure_text.replace("\r\n", "\n").strip()
    if not body:
        missing = _(
            "[The full text of the measure has not been entered yet. This document must not be circulated "
            "or signed until the text is printed here.]"
        )
        flowables.append(paragraph(f"<b>{text(missing)}</b>", BODY))
        return flowables
    for block in _PARAGRAPH_BREAK.split(body):
        lines = [text(line.strip()) for line in block.strip().split("\n")]
        flowables.append(paragraph("<br/>".join(lines), MEASURE))
    return flowables


# --- Boxes to write in ----------------------------------------------------------


def _box(label: str, value: str, width: float, min_height: float) -> list[Flowable]:
    """A labelled box's contents: the label in small capitals, then the value
    (pre-filled, or nothing, for ink), padded to at least `min_height`."""
    flowables: list[Flowable] = [paragraph(text(label.upper()), LABEL)]
    if value:
        flowables.append(paragraph(text(value), VALUE))
    used = sum(flowable.wrap(width - 2 * CELL_PADDING, PAGE_HEIGHT)[1] for flowable in flowables)
    if used < min_height:
        flowables.append(Spacer(0, min_height - used))
    return flowables


def _official_use() -> list[Flowable]:
    return [paragraph(text(_("FOR OFFICIAL USE ONLY")), OFFICIAL_USE)]


_GRID = [
    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
    ("BOX", (0, 0), (-1, -1), 1.2, colors.black),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
]

# Number | name, signature | address, city | ZIP | date signed | official use
SIGNER_COLUMNS = [24, 190, 140, 50, 62, CONTENT_WIDTH - 24 - 190 - 140 - 50 - 62]


def signer_line(number: int, *, name: str = "", address: str = "", city: str = "", zip_code: str = "") -> Flowable:
    """One signer line (EC 9020): printed name and residence address on top,
    signature, city, ZIP and date signed below, and a box for official use.
    Pre-filled values are printed; everything else is left for ink."""
    name_w, address_w, zip_w, date_w = SIGNER_COLUMNS[1:5]
    rows = [
        [
            Paragraph(str(number), LINE_NUMBER),
            _box(_("Print your name"), name, name_w, 24),
            _box(_("Residence address only (street and number)"), address, address_w + zip_w + date_w, 24),
            "",
            "",
            _official_use(),
        ],
        [
            "",
            _box(_("Your signature as registered to vote (in ink)"), "", name_w, 32),
            _box(_("City or community"), city, address_w, 32),
            _box(_("ZIP"), zip_code, zip_w, 32),
            _box(_("Date signed"), "", date_w, 32),
            "",
        ],
    ]
    table = Table(rows, colWidths=SIGNER_COLUMNS)
    table.setStyle(
        TableStyle(
            _GRID
            + [
                ("SPAN", (0, 0), (0, 1)),
                ("SPAN", (2, 0), (4, 0)),
                ("SPAN", (5, 0), (5, 1)),
                ("VALIGN", (0, 0), (0, 1), "MIDDLE"),
                ("BACKGROUND", (5, 0), (5, 1), LIGHT_GRAY),
            ]
        )
    )
    # A line split across two pages would separate a signature from its name.
    return KeepTogether([table])


def circulator_declaration(*, name: str = "", address: str = "", note: str = "") -> Flowable:
    """The declaration of circulator (EC 104, 9022): who circulated, where they
    live, between which dates the signatures were obtained, that they are 18 or
    older and witnessed each signature, under penalty of perjury, with the date
    and place of execution and their signature. `note` (markup) follows the
    heading. Kept together on one page."""
    half = CONTENT_WIDTH / 2
    statements = paragraph(
        " ".join(
            [
                text(_("I, the circulator named above, declare:")),
                "<b>(1)</b>",
                text(_("I am 18 years of age or older.")),
                "<b>(2)</b>",
                text(
                    _(
                        "I circulated this section of the petition and personally witnessed the appended "
                        "signatures being written."
                    )
                ),
                "<b>(3)</b>",
                text(
                    _(
                        "To the best of my information and belief, each signature on this section is the genuine "
                        "signature of the person whose name it purports to be."
                    )
                ),
                "<b>(4)</b>",
                text(_("All signatures on this section were obtained between the dates written below.")),
            ]
        ),
        DECLARATION,
    )
    perjury_words = _(
        "I certify under penalty of perjury under the laws of the State of California that the foregoing is "
        "true and correct."
    )
    perjury = paragraph(f"<b>{text(perjury_words)}</b>", BODY)
    # Columns: date | name's rest | place's rest | address and signature.
    date_w, overlap = 120, 40
    widths = [date_w, half - date_w, overlap, half - overlap]
    rows = [
        [
            _box(_("Printed name of circulator"), name, half, 24),
            "",
            _box(_("Residence address of circulator (street and number, city, ZIP)"), address, half, 24),
            "",
        ],
        [statements, "", "", ""],
        [_box(_("Signatures obtained from (date)"), "", half, 22), "", _box(_("To (date)"), "", half, 22), ""],
        [perjury, "", "", ""],
        [
            _box(_("Executed on (date)"), "", date_w, 32),
            _box(_("At (city or place), California"), "", half - date_w + overlap, 32),
            "",
            _box(_("Signature of circulator (in ink)"), "", half - overlap, 32),
        ],
    ]
    table = Table(rows, colWidths=widths)
    table.setStyle(
        TableStyle(
            _GRID
            + [
                ("SPAN", (0, 0), (1, 0)),
                ("SPAN", (2, 0), (3, 0)),
                ("SPAN", (0, 1), (3, 1)),
                ("SPAN", (0, 2), (1, 2)),
                ("SPAN", (2, 2), (3, 2)),
                ("SPAN", (0, 3), (3, 3)),
                ("SPAN", (1, 4), (2, 4)),
                ("TOPPADDING", (0, 1), (-1, 1), 4),
                ("BOTTOMPADDING", (0, 1), (-1, 1), 5),
                ("TOPPADDING", (0, 3), (-1, 3), 4),
                ("BOTTOMPADDING", (0, 3), (-1, 3), 5),
            ]
        )
    )
    intro = text(_("To be completed after the signatures above have been obtained (Elections Code 104 and 9022)."))
    flowables: list[Flowable] = [
        paragraph(text(_("DECLARATION OF CIRCULATOR")), SUBHEADING),
        paragraph(f"{intro} {note}" if note else intro, SMALL),
    ]
    flowables += [Spacer(0, 3), table]
    return KeepTogether(flowables)


# --- Codes ------------------------------------------------------------------


def _code128(code: str, *, bar_width: float, bar_height: float) -> Code128:
    # The quiet zone is the symbology's ten modules, not reportlab's quarter inch.
    return Code128(
        code,
        barWidth=bar_width,
        barHeight=bar_height,
        humanReadable=False,
        quiet=True,
        lquiet=10 * bar_width,
        rquiet=10 * bar_width,
    )


class CodeBlock(Flowable):
    """The code as intake scans it: a QR code and a Code 128 barcode, both
    encoding exactly the code, and the code as text for typing it in."""

    QR_SIZE = 80  # points, quiet zone included: 29 modules of about 0.04 in
    BAR_WIDTH = 0.9
    BAR_HEIGHT = 0.36 * inch

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code
        self.barcode = _code128(code, bar_width=self.BAR_WIDTH, bar_height=self.BAR_HEIGHT)
        barcode_width = self.barcode.wrap(0, 0)[0]
        self.width = max(self.QR_SIZE, barcode_width)
        self.height = self.QR_SIZE + 4 + self.BAR_HEIGHT + 15

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        qr = QrCodeWidget(self.code, barLevel="M", barBorder=4, barWidth=self.QR_SIZE, barHeight=self.QR_SIZE)
        drawing = Drawing(self.QR_SIZE, self.QR_SIZE)
        drawing.add(qr)
        renderPDF.draw(drawing, canvas, (self.width - self.QR_SIZE) / 2, self.height - self.QR_SIZE)
        barcode_width = self.barcode.width
        self.barcode.drawOn(canvas, (self.width - barcode_width) / 2, 14)
        label = _("Code: %(code)s") % {"code": self.code}
        canvas.setFont(font_for(label, FONT_BOLD), 10.5)
        canvas.drawCentredString(self.width / 2, 2, label)


# --- The footer on every page -------------------------------------------------


@dataclass(frozen=True)
class Footer:
    """What every page of one document repeats; `document` tells documents of
    one PDF apart so that each counts its own pages."""

    document: int
    code: str
    label: str


class FooterMark(Flowable):
    """Zero-size: from the page it lands on, pages belong to `footer`'s document.
    Put it first in each document's story, after the page break."""

    def __init__(self, footer: Footer) -> None:
        super().__init__()
        self.footer = footer
        self.width = self.height = 0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv.footer = self.footer


def footer_draw(canvas: Canvas, footer: Footer, page: int, pages: int) -> None:
    """The rule, a Code 128 of the code, the code as text, the label and 'Page N of M'."""
    canvas.saveState()
    canvas.setLineWidth(0.75)
    canvas.line(MARGIN, FOOTER_TOP, PAGE_WIDTH - MARGIN, FOOTER_TOP)
    barcode = _code128(footer.code, bar_width=0.8, bar_height=0.3 * inch)
    barcode.wrap(0, 0)
    barcode.drawOn(canvas, MARGIN - barcode.lquiet, FOOTER_BOTTOM)
    left = MARGIN + barcode.width - barcode.lquiet
    code = _("Code: %(code)s") % {"code": footer.code}
    canvas.setFont(font_for(code, FONT_BOLD), 10)
    canvas.drawString(left, FOOTER_BOTTOM + 13, code)
    canvas.setFont(font_for(footer.label), 7.5)
    canvas.drawString(left, FOOTER_BOTTOM + 3, footer.label)
    page_of = _("Page %(page)s of %(pages)s") % {"page": page, "pages": pages}
    canvas.setFont(font_for(page_of, FONT_BOLD), 10)
    canvas.drawRightString(PAGE_WIDTH - MARGIN, FOOTER_BOTTOM + 13, page_of)
    canvas.restoreState()


class PetitionCanvas(Canvas):
    """Holds the pages back until the end so that each can say 'page N of M',
    counting within its own document (a FooterMark starts one)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.setViewerPreference("DisplayDocTitle", "true")  # a reader names the window by the title, not the file
        self.footer: Footer | None = None
        self._page_states: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._page_states.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        pages = Counter(state["footer"] for state in self._page_states)
        seen: Counter = Counter()
        for state in self._page_states:
            self.__dict__.update(state)
            if self.footer is not None:
                seen[self.footer] += 1
                footer_draw(self, self.footer, seen[self.footer], pages[self.footer])
            super().showPage()
        super().save()


def pdf_build(story: list[Flowable], *, title: str, subject: str = "") -> bytes:
    """Lay out `story` on US Letter pages with the footer; return the PDF.

    reportlab cannot tag a PDF; for screen readers the file carries its title (shown
    as the window's title), subject and language, and its text is real text in
    embedded fonts (not images), which readers and text extraction can read."""
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=letter,
        title=title,
        subject=subject,
        lang=translation.get_language() or "en",
        author="calexit",
        creator="calexit petitions.documents",
        invariant=True,
    )
    # No frame padding: tables as wide as the content line up with the text.
    frame = Frame(
        MARGIN,
        FRAME_BOTTOM,
        CONTENT_WIDTH,
        PAGE_HEIGHT - MARGIN - FRAME_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="content",
    )
    document.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    document.build(story, canvasmaker=PetitionCanvas)
    return buffer.getvalue()


# --- The same words as text -----------------------------------------------------


@dataclass(frozen=True)
class TextBlock:
    """One piece of a document's words in reading order, for its text alternative:
    `kind` is "heading", "title", "strong", "text", "field" (a box: `label` and the
    pre-filled `value`, "" when it is left for ink) or "code"."""

    kind: str
    value: str
    label: str = ""


_KIND_OF_STYLE = {
    "heading": "strong",
    "county": "strong",
    "section-number": "strong",
    "notice": "strong",
    "subheading": "heading",
    "title": "title",
    "label": "strong",
}
_NOT_READ = {"official-use", "line-number"}  # the county's box, and a line's number on a one-line form


def story_text(story: list) -> list[TextBlock]:
    """The words a story prints, in the order a reader meets them (left to right,
    top to bottom, tables cell by cell): the PDF's text alternative, built from the
    very flowables that draw it, so the two cannot say different things."""
    blocks: list[TextBlock] = []
    _collect(story, blocks)
    return blocks


def _collect(flowables: list, blocks: list[TextBlock]) -> None:
    flowables = [f for f in flowables if isinstance(f, Paragraph | Table | KeepTogether | CodeBlock | list)]
    for index, flowable in enumerate(flowables):
        if isinstance(flowable, list):
            _collect(flowable, blocks)
        elif isinstance(flowable, KeepTogether):
            _collect(flowable._content, blocks)
        elif isinstance(flowable, Table):
            for row in flowable._cellvalues:
                for cell in row:
                    _collect(list(cell) if isinstance(cell, list | tuple) else [cell], blocks)
        elif isinstance(flowable, CodeBlock):
            blocks.append(TextBlock("code", flowable.code))
        else:
            style = flowable.style.name.removesuffix("-cjk")
            words = " ".join(flowable.getPlainText().split())
            if style in _NOT_READ or not words:
                continue
            if style == "label":  # a box's label: its value follows in the same cell, or ink does
                label = words.rstrip(":\uff1a")  # the page puts its own colon ("MAIL TO:")
                after = flowables[index + 1] if index + 1 < len(flowables) else None
                if after is None:
                    blocks.append(TextBlock("field", "", label=label))
                    continue
                if isinstance(after, Paragraph) and after.style.name.removesuffix("-cjk") == "value":
                    blocks.append(TextBlock("field", " ".join(after.getPlainText().split()), label=label))
                    continue
            if style == "value" and blocks and blocks[-1].kind == "field":
                continue  # read with its label
            blocks.append(TextBlock(_KIND_OF_STYLE.get(style, "text"), words))
