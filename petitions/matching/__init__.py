"""Matching signatures to the voter file.

- `keys`: normalisation of names and addresses into comparable keys.
- `engine`: finds candidate voters for a signature and decides its status.
"""
