"""California's 58 counties out of us-atlas's counties-10m.json, for the county map.

The dashboard's and the petition page's county map (static/petitions/county-map.js) draws
California's counties with d3-geo from a TopoJSON file. us-atlas (npm; the Census Bureau's
cartographic boundary files, 2017 edition, quantized and simplified) ships every US county
in one 840 KB file; this script keeps California's (FIPS 06xxx) and only the arcs they use,
so the page downloads about a twentieth of it. Re-vendoring:

    cd "$(mktemp -d)" && npm install us-atlas@3.0.1
    python3 /work/main/tools/extract_california_counties.py \
        node_modules/us-atlas/counties-10m.json /work/main/static/vendor/us-atlas/california-counties-10m.json
    cp node_modules/us-atlas/LICENSE /work/main/static/vendor/us-atlas/LICENSE

Each county keeps its FIPS code as `id` and gets `properties.code`, the Secretary of
State's two-digit county code the app uses (01 Alameda .. 58 Yuba, alphabetical:
FIPS = 06 and 2 x code - 1). The script checks both, and the names, against the app's
reference table (petitions/data/ca_counties.csv) and refuses to write a file that
disagrees with it. Standard library only; geometry is copied, never drawn by hand.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

STATE_FIPS = "06"
REFERENCE = Path(__file__).resolve().parent.parent / "petitions" / "data" / "ca_counties.csv"


class Mismatch(ValueError):
    """The atlas and the app's county table disagree."""


def reference_counties(path: Path = REFERENCE) -> dict[str, tuple[str, str]]:
    """FIPS -> (two-digit code, name), from the app's table of counties."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["fips"]: (row["code"], row["name"]) for row in csv.DictReader(handle)}


def _arc_indexes(arcs) -> list[int]:
    """Every arc index a geometry's nested `arcs` list holds (a negative i is arc ~i reversed)."""
    if isinstance(arcs, int):
        return [arcs if arcs >= 0 else ~arcs]
    return [index for part in arcs for index in _arc_indexes(part)]


def _renumbered(arcs, new_index: dict[int, int]):
    if isinstance(arcs, int):
        return new_index[arcs] if arcs >= 0 else ~new_index[~arcs]
    return [_renumbered(part, new_index) for part in arcs]


def california(topology: dict, reference: dict[str, tuple[str, str]]) -> dict:
    """A TopoJSON topology with one object, `counties`: California's, with the arcs they use renumbered."""
    geometries = [g for g in topology["objects"]["counties"]["geometries"] if str(g["id"]).startswith(STATE_FIPS)]
    found = {g["id"] for g in geometries}
    if found != set(reference):
        missing, extra = sorted(set(reference) - found), sorted(found - set(reference))
        raise Mismatch(f"counties differ from the reference: missing {missing}, not in the reference {extra}")
    used = sorted({index for g in geometries for index in _arc_indexes(g["arcs"])})
    new_index = {old: new for new, old in enumerate(used)}
    counties = []
    for geometry in sorted(geometries, key=lambda g: g["id"]):
        code, name = reference[geometry["id"]]
        if int(geometry["id"][2:]) != 2 * int(code) - 1:
            raise Mismatch(f"{geometry['id']} {name}: FIPS is not 2 x code - 1 for code {code}")
        if geometry["properties"]["name"] != name:
            raise Mismatch(f"{geometry['id']}: the atlas says {geometry['properties']['name']!r}, the app {name!r}")
        counties.append(
            {
                "type": geometry["type"],
                "id": geometry["id"],
                "properties": {"code": code, "name": name},
                "arcs": _renumbered(geometry["arcs"], new_index),
            }
        )
    return {
        "type": "Topology",
        "source": "us-atlas@3.0.1 counties-10m.json (US Census Bureau cartographic boundary files, 2017), "
        "California only: tools/extract_california_counties.py",
        "transform": topology["transform"],
        "objects": {"counties": {"type": "GeometryCollection", "geometries": counties}},
        "arcs": [topology["arcs"][index] for index in used],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="us-atlas's counties-10m.json")
    parser.add_argument("output", type=Path, help="where California's topology goes")
    args = parser.parse_args(argv)
    try:
        result = california(json.loads(args.source.read_text(encoding="utf-8")), reference_counties())
    except Mismatch as error:
        print(f"refused: {error}", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, separators=(",", ":")), encoding="utf-8")
    counties = result["objects"]["counties"]["geometries"]
    print(f"{args.output}: {len(counties)} counties, {len(result['arcs'])} arcs, {args.output.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
