"""Blank petition sections that staff print and hand to circulators: numbered
signer lines for one county, the measure's text and the circulator's
declaration, with the section's number and code so that intake can match the
section when it comes back."""

from __future__ import annotations

from django.utils import translation
from reportlab.platypus import Flowable, PageBreakIfNotEmpty, Paragraph, Spacer

from petitions.codes import section_code
from petitions.documents.layout import (
    SMALL,
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
    title_and_summary,
)
from petitions.models import PetitionSection


def blank_sections_pdf(sections: list[PetitionSection], *, lines: int = 10) -> bytes:
    """Filed with the county: in English whatever the volunteer's browser says (_blank_sections_pdf)."""
    with translation.override("en"):
        return _blank_sections_pdf(sections, lines=lines)


def _blank_sections_pdf(sections: list[PetitionSection], *, lines: int = 10) -> bytes:
    """One document per section, each starting on a new page and counting its
    own pages, in one PDF to print."""
    if not sections:
        raise ValueError("No sections to print.")
    if lines < 1:
        raise ValueError("A section needs at least one signer line.")
    story: list[Flowable] = []
    for index, section in enumerate(sections):
        if index:
            story.append(PageBreakIfNotEmpty())
        story += section_story(section, lines=lines, document=index)
    petition = sections[0].petition
    return pdf_build(story, title=f"{petition.title}: blank petition sections")


def section_story(section: PetitionSection, *, lines: int, document: int) -> list[Flowable]:
    """One section's flowables: page 1 to sign, then the measure's text."""
    petition, county = section.petition, section.county
    code = section_code(section.pk)
    circulator = section.circulator
    story: list[Flowable] = [
        FooterMark(
            Footer(
                document=document,
                code=code,
                label=f"Petition section No. {section.number} · {county_label(county)} · Keep all pages together",
            )
        ),
        header(
            petition,
            county,
            code=code,
            number=section.number,
            kind_line="Petition section: only the voters of this county may sign it, each on their own line.",
        ),
        Spacer(0, 8),
        *title_and_summary(petition),
        Spacer(0, 8),
        notice_to_the_public(),
        Spacer(0, 8),
        petition_to_the_secretary_of_state(petition, county),
        Spacer(0, 6),
        Paragraph(
            "Sign in ink, one voter per line, only if you are registered to vote in this county. Print your "
            "name and your residence address as registered; do not write a post office box.",
            SMALL,
        ),
        Spacer(0, 4),
    ]
    story += [signer_line(number) for number in range(1, lines + 1)]
    story += [
        Spacer(0, 10),
        circulator_declaration(name=circulator.name if circulator else ""),
        PageBreakIfNotEmpty(),
        *measure_text(petition),
    ]
    return story
