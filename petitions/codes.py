"""The codes printed on paper that intake scans: a wet-ink form's (`F…`) and a
petition section's (`S…`).

A code is one letter, the record's id in at least eight digits and a Luhn
check digit: a USB scanner reads it from the Code 128 barcode or the QR code,
and a volunteer can type it from the text; a mistyped digit or two swapped
digits fail the check and are reported as malformed, never as another form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FORM = "F"
SECTION = "S"
_KINDS = {FORM: gettext_lazy("wet-ink form"), SECTION: gettext_lazy("petition section")}
_SHAPE = re.compile(r"^([A-Z])(\d{8,})(\d)$")


class MalformedCode(ValueError):
    """The text is not a code this software printed."""


@dataclass(frozen=True)
class Code:
    kind: str  # FORM or SECTION
    pk: int

    @property
    def kind_name(self) -> str:
        return str(_KINDS[self.kind])


def _check_digit(digits: str) -> str:
    """Luhn's check digit for `digits`."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: the digit next to the check digit, then every other one
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return str(-total % 10)


def _code(kind: str, pk: int) -> str:
    body = f"{pk:08d}"
    return f"{kind}{body}{_check_digit(body)}"


def form_code(signature_id: int) -> str:
    return _code(FORM, signature_id)


def section_code(section_id: int) -> str:
    return _code(SECTION, section_id)


def code_parse(text: str) -> Code:
    """Read a scanned or typed code; spaces and dashes are ignored, case too."""
    cleaned = re.sub(r"[\s\-]", "", text or "").upper()
    if not cleaned:
        raise MalformedCode(_("No code was entered."))
    match = _SHAPE.match(cleaned)
    if match is None or match.group(1) not in _KINDS:
        raise MalformedCode(
            _("%(text)r is not a form or section code (F or S followed by digits).") % {"text": cleaned[:40]}
        )
    kind, body, check = match.groups()
    if _check_digit(body) != check:
        raise MalformedCode(
            _("%(text)r fails its check digit: a digit is mistyped or two are swapped.") % {"text": cleaned}
        )
    return Code(kind=kind, pk=int(body))


def code_format(code: Code) -> str:
    """The code as printed, e.g. after it was typed with spaces or in lower case."""
    return _code(code.kind, code.pk)
