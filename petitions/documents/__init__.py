"""Printable documents: the wet-ink form, blank petition sections."""
