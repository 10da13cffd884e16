"""The PDFs people put ink on: the online signer's wet-ink form and blank petition
sections. Read back as a county clerk's or intake's machine would: text with
pypdf, barcodes with zxing-cpp on pages rendered by pdfium."""

from __future__ import annotations

import datetime
import io
import re

import pypdf
import pypdfium2
import pytest
import zxingcpp
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

from petitions.codes import code_parse, form_code, section_code
from petitions.documents.layout import FONT, FOOTER_TOP
from petitions.documents.sections import blank_sections_pdf
from petitions.documents.wet_ink_form import wet_ink_form_pdf
from petitions.models import Circulator, PetitionSection
from tests.factories import SignatureFactory

pytestmark = pytest.mark.django_db

RETURN_ADDRESS = "Calexit Campaign\nPO Box 1234\nSacramento, CA 95812"
Rect = tuple[float, float, float, float]  # left, bottom, right, top, in PDF points


@pytest.fixture
def petition(calexit):
    calexit.measure_text = (
        "SECTION 1. Title. This measure shall be known as the California Independence Act.\n\n"
        "SECTION 2. Findings. The people of California find and declare the following."
    )
    calexit.return_address = RETURN_ADDRESS
    calexit.deadline = datetime.date(2028, 4, 20)
    calexit.save()
    return calexit


def pages_text(data: bytes) -> list[str]:
    """Each page's text, whitespace runs collapsed to one space."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def page_image(data: bytes, index: int, dpi: int = 300):
    document = pypdfium2.PdfDocument(data)
    return document[index].render(scale=dpi / 72).to_pil()


def barcodes(data: bytes, index: int, dpi: int = 300) -> list[tuple[zxingcpp.BarcodeFormat, str, Rect]]:
    """The barcodes zxing finds on a page, each with its rectangle in PDF points."""
    found = []
    height = letter[1]
    for result in zxingcpp.read_barcodes(page_image(data, index, dpi)):
        position = result.position
        corners = [position.top_left, position.top_right, position.bottom_left, position.bottom_right]
        xs = [corner.x * 72 / dpi for corner in corners]
        ys = [height - corner.y * 72 / dpi for corner in corners]
        found.append((result.format, result.text, (min(xs), min(ys), max(xs), max(ys))))
    return found


def text_rects(data: bytes, index: int) -> list[tuple[Rect, str]]:
    """pdfium's rectangles of text (tight glyph boxes, one per run of a line) with their text."""
    page = pypdfium2.PdfDocument(data)[index]
    textpage = page.get_textpage()
    rects = [textpage.get_rect(i) for i in range(textpage.count_rects())]
    return [(rect, textpage.get_text_bounded(*rect)) for rect in rects]


def intersect(a: Rect, b: Rect, tolerance: float = 0.5) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > tolerance and min(a[3], b[3]) - max(a[1], b[1]) > tolerance


def overlapping_text(rects: list[tuple[Rect, str]]) -> list[tuple[str, str]]:
    return [
        (first_text, second_text)
        for i, (first, first_text) in enumerate(rects)
        for second, second_text in rects[i + 1 :]
        if intersect(first, second)
    ]


def test_wet_ink_form_carries_what_the_law_asks_and_the_signers_details(petition):
    signature = SignatureFactory(
        petition=petition,
        first_name="Maria",
        last_name="Garcia",
        address="1200 J St",
        unit="4",
        city="Sacramento",
        zip="95814",
    )
    data = wet_ink_form_pdf(signature)
    assert data.startswith(b"%PDF")
    pages = pages_text(data)
    first, everything = pages[0], " ".join(pages)
    code = form_code(signature.pk)

    assert "INITIATIVE MEASURE TO BE SUBMITTED DIRECTLY TO THE VOTERS" in first
    assert "CALIFORNIA INDEPENDENCE INITIATIVE" in first  # the title
    assert petition.summary[:60] in first
    assert "PAID SIGNATURE GATHERER OR A VOLUNTEER. YOU HAVE THE RIGHT TO ASK." in first
    assert "COUNTY OF SACRAMENTO" in first
    assert "Only registered voters of Sacramento County may sign" in first
    assert "Maria Garcia" in first
    assert "1200 J St #4" in first
    assert "Sacramento, CA" in first and "95814" in first
    assert "1200 J St #4, Sacramento, CA 95814" in first  # the circulator's residence: the same person
    for statement in [
        "I am 18 years of age or older",
        "witnessed the appended signatures",
        "penalty of perjury under the laws of the State of California",
    ]:
        assert statement in first
    assert "Sign twice in ink: as signer and as circulator." in first
    assert "Do not sign for anyone else." in first
    assert "Mail it back by April 20, 2028." in first
    assert "MAIL TO: Calexit Campaign PO Box 1234 Sacramento, CA 95812" in first
    assert "This measure shall be known as the California Independence Act." in everything
    for number, page in enumerate(pages, start=1):
        assert f"Code: {code}" in page
        assert f"Page {number} of {len(pages)}" in page


def test_wet_ink_form_page_one_has_a_qr_code_and_a_code_128_of_the_forms_code(petition):
    signature = SignatureFactory(petition=petition)
    code = form_code(signature.pk)
    found = {(barcode_format, text) for barcode_format, text, _ in barcodes(wet_ink_form_pdf(signature), 0)}
    assert (zxingcpp.BarcodeFormat.QRCode, code) in found
    assert (zxingcpp.BarcodeFormat.Code128, code) in found
    assert {text for _, text in found} == {code}
    assert code_parse(code).pk == signature.pk


def test_the_overlap_check_sees_overlapping_text():
    """The checks below would fail if flowables overlapped: two strings drawn over each other are seen."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=letter)
    canvas.setFont(FONT, 10)
    canvas.drawString(72, 700, "A paragraph of the measure")
    canvas.drawString(100, 703, "drawn over another one")
    canvas.showPage()
    canvas.save()
    assert overlapping_text(text_rects(buffer.getvalue(), 0))


def test_a_long_measure_flows_onto_further_pages_without_overlapping_anything(petition):
    sentence = "The people of the State of California find and declare. "
    paragraphs = [f"SECTION {number}. MARKER{number:02d} " + sentence * (3 + number % 5) for number in range(1, 41)]
    petition.measure_text = "\n\n".join(paragraphs)
    petition.save()
    signature = SignatureFactory(petition=petition, first_name="José", last_name="Nuñez")
    data = wet_ink_form_pdf(signature)
    pages = pages_text(data)
    assert len(pages) >= 3

    # Every paragraph once, in order, none lost at a page break.
    markers = re.findall(r"MARKER\d\d", " ".join(pages))
    assert markers == [f"MARKER{number:02d}" for number in range(1, 41)]

    code = form_code(signature.pk)
    for index in range(len(pages)):
        rects = text_rects(data, index)
        assert not overlapping_text(rects), f"page {index + 1}"
        # The story stays above the footer's rule; below it, only the footer.
        for rect, text in rects:
            assert rect[1] > FOOTER_TOP or rect[3] < FOOTER_TOP, f"page {index + 1}: {text!r} crosses the footer"
            if rect[3] < FOOTER_TOP:
                assert text.startswith(("Code:", "Page ", "Wet-ink petition form")), text

    # No text over the code block on page 1, nor over the footer's barcode on a page of the measure.
    for index in (0, 2):
        found = barcodes(data, index, dpi=200 if index else 300)
        assert any(text == code for _, text, _ in found)
        for _, _, barcode_rect in found:
            for rect, text in text_rects(data, index):
                assert not intersect(rect, barcode_rect), f"page {index + 1}: {text!r} over a barcode"


def test_blank_sections_one_document_each_with_number_code_and_qr(petition):
    circulator = Circulator.objects.create(petition=petition, name="José Nuñez")
    sections = [
        PetitionSection.objects.create(petition=petition, number="2028-00001", county_id="34", circulator=circulator),
        PetitionSection.objects.create(petition=petition, number="2028-00002", county_id="38"),
        PetitionSection.objects.create(petition=petition, number="2028-00003", county_id="19"),
    ]
    data = blank_sections_pdf(sections, lines=12)
    pages = pages_text(data)
    codes = [section_code(section.pk) for section in sections]

    # Each page belongs to exactly one section; each section's pages follow one another.
    owners = []
    for page in pages:
        on_page = [index for index, code in enumerate(codes) if f"Code: {code}" in page]
        assert len(on_page) == 1
        owners.append(on_page[0])
    assert owners == sorted(owners) and set(owners) == {0, 1, 2}
    starts = [owners.index(index) for index in range(3)]

    for index, (section, start) in enumerate(zip(sections, starts)):
        first = pages[start]
        count = owners.count(index)
        assert f"PETITION SECTION No. {section.number}" in first
        assert f"Page 1 of {count}" in first
        assert "INITIATIVE MEASURE TO BE SUBMITTED DIRECTLY TO THE VOTERS" in first
        assert "PAID SIGNATURE GATHERER OR A VOLUNTEER" in first
        section_text = " ".join(pages[start : start + count])
        assert section_text.count("PRINT YOUR NAME") == 12
        assert "12 PRINT YOUR NAME" in section_text and "13 PRINT YOUR NAME" not in section_text
        assert "DECLARATION OF CIRCULATOR" in section_text
        assert "I am 18 years of age or older" in section_text
        assert "penalty of perjury" in section_text
        assert "This measure shall be known as the California Independence Act." in section_text
        found = {(barcode_format, text) for barcode_format, text, _ in barcodes(data, start, dpi=200)}
        assert (zxingcpp.BarcodeFormat.QRCode, codes[index]) in found

    assert "COUNTY OF SACRAMENTO" in pages[starts[0]]
    assert "CITY AND COUNTY OF SAN FRANCISCO" in pages[starts[1]]
    assert "COUNTY OF LOS ANGELES" in pages[starts[2]]
    assert "José Nuñez" in " ".join(pages[starts[0] : starts[1]])
    assert "José Nuñez" not in " ".join(pages[starts[1] :])


def test_names_outside_latin_1_are_printed(petition):
    signature = SignatureFactory(
        petition=petition,
        first_name="Nguyễn",
        middle_name="Văn",
        last_name="An",
        address="4521 Đường Mission",
        city="Garden Grove",
        zip="92843",
        county_id="30",
    )
    first = pages_text(wet_ink_form_pdf(signature))[0]
    assert first.count("Nguyễn Văn An") == 2  # signer and circulator
    assert "4521 Đường Mission" in first


def test_decomposed_accents_are_printed_composed(petition):
    signature = SignatureFactory(petition=petition, first_name="Jose\u0301", last_name="Nun\u0303ez")
    assert "José Nuñez" in pages_text(wet_ink_form_pdf(signature))[0]


def test_missing_text_address_and_deadline_are_said_plainly(calexit):
    calexit.measure_text = ""
    calexit.return_address = ""
    calexit.deadline = None
    calexit.save()
    text = " ".join(pages_text(wet_ink_form_pdf(SignatureFactory(petition=calexit))))
    assert "[The full text of the measure has not been entered yet." in text
    assert "[The mailing address is not printed on this copy.]" in text
    assert "/p/calexit/" in text
    assert "Mail it back as soon as you can" in text


def test_blank_sections_need_a_section():
    with pytest.raises(ValueError):
        blank_sections_pdf([])
