"""Validation: a pending signature matched against the voter file and decided, the way the counties do.

- `validate`: batches and single signatures, duplicates linked, outcomes written (`signatures_validate`);
- `revalidate`: decisions a newer voter file can change, sent back to pending;
- `outcomes`: writing one decision with its tally change (shared with review and mail intake);
- `engine`: the county's rules on one signature and its candidates (`prepare`, `judge`, `decide`);
- `naming`: which voter an invalid signature names; `by_address`: the same in a file without households;
- `blocks`: the table of candidate searches; `candidates`: running them (SQLite, batched PostgreSQL);
- `speedups`: the shortcuts kept for speed.

Comparing names and addresses is petitions.matching's.
"""
