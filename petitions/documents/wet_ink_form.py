"""The wet-ink form: a single-signature petition section an online signer
prints, signs in ink as signer and as their own circulator, and mails back.

California counts only signatures personally affixed in ink (Ni v. Slocum), so
an online signature counts once this paper, found by its code, comes back.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.urls import reverse
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, PageBreakIfNotEmpty, Paragraph, Spacer, Table, TableStyle

from petitions.codes import form_code
from petitions.documents.layout import (
    CONTENT_WIDTH,
    LABEL,
    SMALL,
    VALUE,
    Footer,
    FooterMark,
    circulator_declaration,
    county_label,
    header,
    measure_text,
    notice_to_the_public,
    pdf_build,
    petition_to_the_secretary_of_state,
    signer_line,
    text,
    title_and_summary,
)
from petitions.models import Petition, Signature


def wet_ink_form_pdf(signature: Signature) -> bytes:
    """The signer's own petition section for their county, pre-filled with their
    name and residence address, as a PDF of US Letter pages."""
    petition, county = signature.petition, signature.county
    code = form_code(signature.pk)
    name = signature.printed_name
    street = street_address(signature)
    story: list[Flowable] = [
        FooterMark(
            Footer(
                document=0,
                code=code,
                label=(
                    f"Wet-ink petition form · {county_label(county)} · Keep all pages together and mail them all back"
                ),
            )
        ),
        header(
            petition,
            county,
            code=code,
            kind_line="Petition section for one signer: print it, sign it in ink, and mail it back.",
        ),
        Spacer(0, 6),
        *title_and_summary(petition),
        Spacer(0, 6),
        notice_to_the_public(),
        Spacer(0, 6),
        instructions(petition),
        Spacer(0, 6),
        petition_to_the_secretary_of_state(petition, county),
        Spacer(0, 6),
        signer_line(1, name=name, address=street, city=f"{signature.city}, CA", zip_code=signature.zip),
        Spacer(0, 6),
        circulator_declaration(
            name=name,
            address=f"{street}, {signature.city}, CA {signature.zip}",
            note="<b>You are your own circulator:</b> you saw yourself sign, so you sign this declaration too. "
            "Write the date you signed line 1 in both date boxes, then the date and place you sign this.",
        ),
        PageBreakIfNotEmpty(),
        *measure_text(petition),
    ]
    return pdf_build(story, title=f"{petition.title}: petition section for one signer ({county_label(county)})")


def street_address(signature: Signature) -> str:
    """Street and number, then the unit ('4' is written '#4'; 'Apt 4' as is)."""
    unit = signature.unit.strip()
    if unit and unit[0].isdigit():
        unit = f"#{unit}"
    return " ".join(part for part in [signature.address.strip(), unit] if part)


def deadline_text(day: datetime.date | None) -> str:
    if day is None:
        return "Mail it back as soon as you can: your signature counts only once this signed paper reaches us."
    return f"Mail it back by {day:%B} {day.day}, {day.year}."


def return_address(petition: Petition) -> str:
    """The 'Mail to:' block's markup; when the campaign has not entered an address
    yet, where the signer will find it."""
    lines = [line.strip() for line in petition.return_address.strip().splitlines() if line.strip()]
    if lines:
        return "<br/>".join(text(line) for line in lines)
    url = settings.SITE_URL + reverse("petitions:detail", args=[petition.slug])
    return (
        "<font size=9>[The mailing address is not printed on this copy.] Find it on the petition's page, "
        f"<b>{text(url)}</b>, or in the email that sent you this form.</font>"
    )


def instructions(petition: Petition) -> Table:
    """Short plain steps beside the address to mail the form to."""
    steps = [
        "Print every page on plain white paper, one side only. Do not change anything printed here.",
        "<b>Sign twice in ink: as signer and as circulator.</b> Line 1 is yours as signer; the Declaration "
        "of Circulator is yours as circulator: fill in its dates and place too.",
        "<b>Do not sign for anyone else.</b> Each voter signs their own form.",
        f"<b>{text(deadline_text(petition.deadline))}</b> Send all pages, together.",
    ]
    left = [Paragraph("HOW TO MAKE YOUR SIGNATURE COUNT", LABEL), Spacer(0, 2)]
    left += [Paragraph(f"{number}.&nbsp;&nbsp;{step}", SMALL) for number, step in enumerate(steps, start=1)]
    right = [Paragraph("MAIL TO:", LABEL), Spacer(0, 2), Paragraph(return_address(petition), VALUE)]
    address_width = 2.6 * inch
    table = Table([[left, right]], colWidths=[CONTENT_WIDTH - address_width, address_width])
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.75, "black"),
                ("LINEBEFORE", (1, 0), (1, 0), 0.75, "black"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return table
