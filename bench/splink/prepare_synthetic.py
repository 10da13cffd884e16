"""Synthetic petition benchmark -> Splink's inputs, with the FEBRL run's petition fields only.

    DEBUG=1 .venv/bin/python -m bench.splink.prepare_synthetic bench-out/splink-synthetic/seed-N ...
    (the project's virtualenv: it imports the project's parsers; no database)

Reads voters.tsv, paper.csv, online.csv, truth.csv in the directory (bench.generate's
output) and writes there voters_prep.csv and signatures_prep.csv with the columns of
bench/splink/febrl4.py: rec_id, given_name, surname, street_number,
address_1, suburb, postcode, county (lower case, '' -> empty).

Parsing uses the project's own code:
- voter file rows through petitions.voterfile.Layout (as the import: every row it
  accepts, status A and I alike; the import refuses rows with an empty LastName etc.);
- names: paper's printed name through petitions.matching.names.parse_printed_name;
  online first/last as written; both sides folded with name_key per word
  (hyphens to spaces, as engine.signature_name does for the online surname).
  Middle name and suffix are NOT given to Splink.
- house number / street: petitions.matching.addresses.parse_address (signature)
  -> house_number and street.key (directionals, name, USPS type); voter:
  house_key(AddressNumber) and street_key(prefix, name, type, suffix). No unit.
- city folded (addresses.fold); ZIP via keys.zip_key (5 digits); county: the
  section's county (paper), the form's county (online), CountyCode (voter).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from petitions.matching.addresses import fold, house_key, parse_address, street_key
from petitions.matching.keys import zip_key
from petitions.matching.names import name_key, parse_printed_name
from petitions.voterfile import Layout, county_names

COLS = ["rec_id", "given_name", "surname", "street_number", "address_1", "suburb", "postcode", "county"]


def words(text: str) -> str:
    return " ".join(k for k in (name_key(w) for w in (text or "").replace("-", " ").split()) if k)


def row(rec_id, given, surname, house, street, city, zip_, county) -> dict:
    values = [given, surname, house, street, fold(city), zip_key(zip_), county]
    return {"rec_id": rec_id, **{c: (v or "").strip().lower() for c, v in zip(COLS[1:], values)}}


def main(directory: Path) -> None:
    codes = frozenset(county_names())
    voters, bad = [], 0
    with (directory / "voters.tsv").open(encoding="utf-8", newline="") as handle:
        layout = Layout.from_header_line(handle.readline())
        for line in handle:
            values, _reason = layout.parse(layout.split(line.rstrip("\r\n")), codes)
            if values is None:
                bad += 1
                continue
            v = values
            voters.append(
                row(
                    "V" + v["registrant_id"],
                    words(v["first_name"]),
                    words(v["last_name"]),
                    house_key(v["address_number"]) if v["address_number"] else "",
                    street_key(v["street_dir_prefix"], v["street_name"], v["street_type"], v["street_dir_suffix"]),
                    v["city"],
                    v["zip"],
                    v["county_id"],
                )
            )
    signatures = []
    with (directory / "paper.csv").open(encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle):
            name = parse_printed_name(r["name"])
            address = parse_address(r["address"])
            signatures.append(
                row(
                    f"P:{r['section']}:{r['line']}",
                    words(name.first),
                    words(name.last),
                    address.house_number,
                    address.street.key,
                    r["city"],
                    r["zip"],
                    r["county"].zfill(2),
                )
            )
    with (directory / "online.csv").open(encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle):
            address = parse_address(r["address"], r["unit"])
            signatures.append(
                row(
                    f"O:{r['email']}",
                    words(r["first_name"]),
                    words(r["last_name"]),
                    address.house_number,
                    address.street.key,
                    r["city"],
                    r["zip"],
                    r["county"].zfill(2),
                )
            )
    with (directory / "truth.csv").open(encoding="utf-8", newline="") as handle:
        keys = {t["key"] for t in csv.DictReader(handle)}
    ours = {s["rec_id"] for s in signatures}
    assert ours == keys, (len(ours - keys), len(keys - ours))
    for file_name, rows in (("voters_prep.csv", voters), ("signatures_prep.csv", signatures)):
        with (directory / file_name).open("w", encoding="utf-8", newline="") as handle:
            w = csv.DictWriter(handle, COLS)
            w.writeheader()
            w.writerows(rows)
    print(f"{directory}: {len(voters):,} voters ({bad} rows refused), {len(signatures):,} signatures")


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        main(Path(arg))
