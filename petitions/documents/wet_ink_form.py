"""The wet-ink form: a single-signature petition section an online signer
prints, signs in ink as signer and as their own circulator, and mails back.

California counts only signatures personally affixed in ink (Ni v. Slocum), so
an online signature counts once this paper, found by its code, comes back.

Drawn in the signer's language (Signature.language, or one the link asks for):
the form's own words from the translation catalogues, the measure's from the
petition's filed translation (selectors.petition_legal_text), English with a
note where none was filed.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import dateformat, translation
from django.utils.translation import gettext as _
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, PageBreakIfNotEmpty, Spacer, Table, TableStyle

from petitions.codes import form_code
from petitions.documents.layout import (
    CONTENT_WIDTH,
    LABEL,
    SMALL,
    VALUE,
    Footer,
    FooterMark,
    TextBlock,
    circulator_declaration,
    county_label,
    header,
    measure_text,
    notice_to_the_public,
    paragraph,
    pdf_build,
    petition_to_the_secretary_of_state,
    signer_line,
    story_text,
    text,
    title_and_summary,
)
from petitions.models import Petition, Signature
from petitions.selectors import petition_legal_text, supported_language


def wet_ink_form_pdf(signature: Signature, *, language: str | None = None) -> bytes:
    """The signer's own petition section for their county, pre-filled with their
    name and residence address, as a PDF of US Letter pages, in `language`
    (default: the language they signed in)."""
    with translation.override(supported_language(language or signature.language or settings.LANGUAGE_CODE)):
        return _wet_ink_form_pdf(signature)


def wet_ink_form_text(signature: Signature, *, language: str | None = None) -> tuple[str, list[TextBlock]]:
    """The form's title and its words in reading order, the PDF's text alternative
    (a screen reader reads the web page; the law still needs the printed form in ink)."""
    with translation.override(supported_language(language or signature.language or settings.LANGUAGE_CODE)):
        story, title, _subject = _wet_ink_form_story(signature)
        return title, story_text(story)


def _wet_ink_form_pdf(signature: Signature) -> bytes:
    story, title, subject = _wet_ink_form_story(signature)
    return pdf_build(story, title=title, subject=subject)


def _wet_ink_form_story(signature: Signature) -> tuple[list[Flowable], str, str]:
    petition, county = signature.petition, signature.county
    legal = petition_legal_text(petition)
    code = form_code(signature.pk)
    name = signature.printed_name
    street = street_address(signature)
    story: list[Flowable] = [
        FooterMark(
            Footer(
                document=0,
                code=code,
                label=_("Wet-ink petition form · %(county)s · Keep all pages together and mail them all back")
                % {"county": county_label(county)},
            )
        ),
        header(
            petition,
            county,
            code=code,
            kind_line=_("Petition section for one signer: print it, sign it in ink, and mail it back."),
        ),
        Spacer(0, 6),
        *title_and_summary(petition, legal),
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
            note=bold(_("You are your own circulator:"))
            + " "
            + text(
                _(
                    "you saw yourself sign, so you sign this declaration too. Write the date you signed line 1 in "
                    "both date boxes, then the date and place you sign this."
                )
            ),
        ),
        PageBreakIfNotEmpty(),
        *measure_text(petition, legal),
    ]
    title = _("%(title)s: petition section for one signer (%(county)s)") % {
        "title": legal.title,
        "county": county_label(county),
    }
    subject = _("Print this form, sign it in ink as the signer and as your own circulator, and mail it back.")
    return story, title, subject


def street_address(signature: Signature) -> str:
    """Street and number, then the unit ('4' is written '#4'; 'Apt 4' as is)."""
    unit = signature.unit.strip()
    if unit and unit[0].isdigit():
        unit = f"#{unit}"
    return " ".join(part for part in [signature.address.strip(), unit] if part)


def bold(words: str) -> str:
    """`words` as bold Paragraph markup."""
    return f"<b>{text(words)}</b>"


def deadline_text(day: datetime.date | None) -> str:
    if day is None:
        return _("Mail it back as soon as you can: your signature counts only once this signed paper reaches us.")
    # Translators: a date format (Django's date filter), e.g. "F j, Y" for "December 5, 2026".
    return _("Mail it back by %(day)s.") % {"day": dateformat.format(day, _("F j, Y"))}


def return_address(petition: Petition) -> str:
    """The 'Mail to:' block's markup; when the campaign has not entered an address
    yet, where the signer will find it."""
    lines = [line.strip() for line in petition.return_address.strip().splitlines() if line.strip()]
    if lines:
        return "<br/>".join(text(line) for line in lines)
    url = settings.SITE_URL + reverse("petitions:detail", args=[petition.slug])
    words = text(
        _(
            "[The mailing address is not printed on this copy.] Find it on the petition's page, %(url)s, "
            "or in the email that sent you this form."
        )
    )
    return "<font size=9>" + words.replace("%(url)s", f"<b>{text(url)}</b>") + "</font>"


def instructions(petition: Petition) -> Table:
    """Short plain steps beside the address to mail the form to."""
    steps = [
        text(_("Print every page on plain white paper, one side only. Do not change anything printed here.")),
        bold(_("Sign twice in ink: as signer and as circulator."))
        + " "
        + text(
            _(
                "Line 1 is yours as signer; the Declaration of Circulator is yours as circulator: "
                "fill in its dates and place too."
            )
        ),
        bold(_("Do not sign for anyone else.")) + " " + text(_("Each voter signs their own form.")),
        bold(deadline_text(petition.deadline)) + " " + text(_("Send all pages, together.")),
    ]
    left: list[Flowable] = [paragraph(text(_("HOW TO MAKE YOUR SIGNATURE COUNT")), LABEL), Spacer(0, 2)]
    left += [paragraph(f"{number}.&nbsp;&nbsp;{step}", SMALL) for number, step in enumerate(steps, start=1)]
    right = [paragraph(text(_("MAIL TO:")), LABEL), Spacer(0, 2), paragraph(return_address(petition), VALUE)]
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
