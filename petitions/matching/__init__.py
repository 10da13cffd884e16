"""Comparing what a signer wrote with a voter's record: names and addresses as comparable keys
(`keys`, `names`, `addresses`), and how well one voter fits one signature (`scoring`). No database.
Deciding a signature with these is petitions.validation's.
"""
