"""Keeps signers' personal data out of the logs.

PostgreSQL puts the offending values in an error's DETAIL line (`Key
(petition_id, email)=(1, ana@example.org) already exists`, `Failing row
contains (...)`), and an exception logged with its text carries them into the
log. `PersonalDataFilter`, installed on the root handler (settings.LOGGING),
removes DETAIL lines and email addresses from each record's message,
exception text and stack before any handler writes it.
"""

from __future__ import annotations

import logging
import re

DETAIL_LINE = re.compile(r"DETAIL:[^\n]*")
EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")  # not user@127.0.0.1


def personal_data_scrub(text: str) -> str:
    """`text` without database error details and email addresses."""
    return EMAIL.sub("[email]", DETAIL_LINE.sub("DETAIL: [removed]", text))


class PersonalDataFilter(logging.Filter):
    """Rewrites a record in place (it never drops one): the message is
    formatted once and scrubbed, and so is the exception's text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string: let the handler report it as logging does
            return True
        record.msg, record.args = personal_data_scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = personal_data_scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = personal_data_scrub(record.stack_info)
        return True
