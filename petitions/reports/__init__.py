"""Reports for the field: circulator quality, county filing."""
