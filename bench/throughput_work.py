"""The Django side of `make bench` (bench.throughput runs it in a scratch database).

    .venv/bin/python -m bench.throughput_work signatures OUT.csv --count 5000 --seed N --batch A [--part 0]
    .venv/bin/python -m bench.throughput_work validate --petition calexit [--batch-size N]

`signatures` samples voters from the imported file and writes keyed paper
signatures for them (bench.generate's Pen: the ways people write names and
addresses): 70 % written as people write (middle initial or none, St/Street,
units as #4 or left out ...), 10 % with a typo in the name, 5 % with a nickname
where one exists, 15 % by made-up people who are not in the file. The sections
are named <batch>-<county>-<n>.

`validate` validates every pending signature in this process with the service
the Celery task calls: in batches of --batch-size (`signatures_validate`, the
`validate_signatures` task's service; default its VALIDATE_BATCH), or one after
the other with --batch-size 1 (`signature_validate`, the one-signature path).
It prints one JSON line: how many, how long, the time per call (percentiles)
and the SQL statements per signature.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import time
from dataclasses import replace
from datetime import date

PARTS = 3


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calexit.settings")
    import django

    django.setup()


def write_signatures(path: str, *, count: int, seed: int, batch: str, part: int = 0) -> dict:
    from bench.generate import NICKNAMES, Pen
    from bench.synthetic import Address, Draw, Person, unregistered_person
    from petitions.models import Voter

    rng = random.Random(seed)
    pen = Pen(rng)
    draw = Draw(rng)
    low, high = (
        Voter.objects.order_by("pk").values_list("pk", flat=True).first(),
        Voter.objects.order_by("-pk").values_list("pk", flat=True).first(),
    )
    assert low is not None and high is not None, "no voters imported"
    # Batches must not share voters: each takes the voters whose id leaves `part` divided by PARTS.
    wanted: set[int] = set()
    while len(wanted) < count:
        pk = rng.randint(low, high)
        if pk % PARTS == part:
            wanted.add(pk)
    ordered = sorted(wanted)  # fetched in slices: the moonshot asks for a million
    voters = [
        voter
        for start in range(0, len(ordered), 20_000)
        for voter in Voter.objects.filter(pk__in=ordered[start : start + 20_000]).order_by("pk")
    ]
    rng.shuffle(voters)
    rows = []
    kinds = {"clean": 0, "typo": 0, "nickname": 0, "not_registered": 0}
    for index, voter in enumerate(voters):
        address = Address(
            county=voter.county_id,
            number=voter.address_number,
            street=voter.street_name,
            street_type=voter.street_type,
            prefix=voter.street_dir_prefix if voter.street_dir_prefix in ("N", "S", "E", "W") else "",
            fraction=voter.house_fraction,
            number_suffix=voter.address_number_suffix,
            unit_type=voter.unit_type,
            unit=voter.unit_number,
            city=voter.city,
            zip=voter.zip,
        )
        person = Person(
            pid=voter.registrant_id,
            registered=True,
            first=voter.first_name,
            middle=voter.middle_name,
            last=voter.last_name,
            suffix=voter.suffix,
            sex="",
            dob=voter.dob or date(1970, 1, 1),
            address=address,
            community="",
            household=0,
        )
        roll = rng.random()
        first = None
        if roll < 0.15:
            kind = "not_registered"
            person = unregistered_person(draw, f"U{index}", voter.county_id, 0)
        elif roll < 0.25 and len(person.last) >= 4:
            kind = "typo"
            person = replace(person, last=pen.typo(person.last))
        elif roll < 0.30 and person.first in NICKNAMES:
            kind = "nickname"
            first = rng.choice(NICKNAMES[person.first])
        else:
            kind = "clean"
        kinds[kind] += 1
        tags: list[str] = []
        parts = pen.name_parts(person, tags, first=first)
        street = pen.street(person.address, tags)
        unit = pen.unit(person.address, tags)
        rows.append(
            (
                person.address.county,
                pen.printed_name(parts, tags),
                f"{street} {unit}".strip(),
                person.address.city,
                person.address.zip,
            )
        )
    rows.sort(key=lambda row: row[0])
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["section", "line", "county", "name", "address", "city", "zip", "date_signed"])
        section, line, current = 0, 0, None
        for county, name, street, city, zip_code in rows:
            if county != current or line == 20:
                section, line, current = section + 1, 0, county
            line += 1
            writer.writerow(
                [f"{batch}-{county}-{section:05d}", line, county, name, street, city, zip_code, "2026-03-02"]
            )
    return {"signatures": len(rows), **kinds}


def validate_all(petition_slug: str, *, batch_size: int | None = None) -> dict:
    from collections import Counter

    from django.db import connection

    from petitions.models import Petition, Signature
    from petitions.queue import VALIDATE_BATCH
    from petitions.validation.validate import pending_signature_ids, signature_validate, signatures_validate

    size = batch_size or VALIDATE_BATCH
    petition = Petition.objects.get(slug=petition_slug)
    ids = pending_signature_ids(petition=petition)
    statements = 0
    in_sql = 0.0

    def count(execute, sql, params, many, context):
        nonlocal statements, in_sql
        statements += 1
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            in_sql += time.perf_counter() - began

    durations = []
    started = time.perf_counter()
    cpu_started = time.process_time()
    with connection.execute_wrapper(count):
        for start in range(0, len(ids), size):
            began = time.perf_counter()
            if size == 1:
                signature_validate(signature_id=ids[start])
            else:
                signatures_validate(signature_ids=ids[start : start + size])
            durations.append(time.perf_counter() - began)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    durations.sort()

    def percentile(p: float) -> float:
        return round(1000 * durations[min(len(durations) - 1, int(p * len(durations)))], 3) if durations else 0.0

    outcomes = Counter(Signature.objects.filter(pk__in=ids).values_list("status", flat=True))
    return {
        "decisions": decisions_digest(ids),
        "validated": len(ids),
        "batch_size": size,
        "calls": len(durations),
        "seconds": round(seconds, 3),
        "per_second": round(len(ids) / seconds, 1) if seconds else None,
        # This process's own CPU (the engine and the driver); the rest of the wall time is
        # PostgreSQL's work and the round trips.
        "process_cpu_seconds": round(cpu_seconds, 3),
        "ms_per_signature": round(1000 * seconds / len(ids), 3) if ids else None,
        "ms_p50": percentile(0.50),
        "ms_p95": percentile(0.95),
        "ms_p99": percentile(0.99),
        "ms_max": round(1000 * durations[-1], 3) if durations else 0.0,
        # Statements through Django's cursor on this process's main connection. In the batched path
        # that is the per-batch work (lock, petitions, duplicates, tally changes); the candidate
        # queries run on the helper threads' connections (one per 100 signatures) and the outcomes'
        # UPDATE on the raw cursor (one per batch), which this count does not see.
        "statements_per_signature": round(statements / len(ids), 2) if ids and size == 1 else None,
        "main_connection_statements_per_call": round(statements / len(durations), 2) if durations else None,
        # Time inside cursor.execute (the database's work and the round trips), the rest being Python;
        # the COMMIT of each transaction is not a statement Django runs through execute.
        "sql_ms_per_signature": round(1000 * in_sql / len(ids), 3) if ids and size == 1 else None,
        "outcomes": dict(outcomes),
    }


def decisions_digest(ids: list[int]) -> str:
    """A digest of what validation wrote for these signatures, in id order. The benchmark's data set is
    fixed (seeded), so the same code gives the same digest: a refactoring of the engine must keep it."""
    import hashlib

    from petitions.models import Signature

    digest = hashlib.sha256()
    rows = (
        Signature.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list(
            "pk",
            "status",
            "reason",
            "voter__registrant_id",
            "duplicate_of_id",
            "match_score",
            "match_candidates",
            "person_key",
        )
    )
    for row in rows.iterator(chunk_size=2000):
        digest.update(json.dumps(row, sort_keys=True, default=str).encode() + b"\n")
    return digest.hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Signatures for the throughput benchmark, and an in-process validation loop."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("signatures")
    make.add_argument("out")
    make.add_argument("--count", type=int, default=5000)
    make.add_argument("--seed", type=int, default=1)
    make.add_argument("--batch", default="A")
    make.add_argument(
        "--part",
        type=int,
        default=0,
        choices=range(PARTS),
        help=f"which of {PARTS} disjoint sets of voters to sign for",
    )
    loop = sub.add_parser("validate")
    loop.add_argument("--petition", default="calexit")
    loop.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="signatures per call (default: the batch task's VALIDATE_BATCH; 1: one at a time)",
    )
    args = parser.parse_args(argv)
    _setup()
    if args.command == "signatures":
        result = write_signatures(args.out, count=args.count, seed=args.seed, batch=args.batch, part=args.part)
    else:
        result = validate_all(args.petition, batch_size=args.batch_size)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
