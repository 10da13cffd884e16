"""Our engine's named-voter precision / recall from a bench-accuracy export (stdlib only).

    python3 -m bench.splink.named_voters bench-out/accuracy-SEED ...

export.csv's registrant_id is the voter the engine names (any status); joined to
truth.csv by P:section:line (paper) and O:email (online), as bench/score.py does.
precision = named the true registrant / named; recall = named the true registrant /
signatures whose truth registrant_id is not empty. Unregistered signers named = wrong.
"""

import csv
import sys
from collections import Counter
from pathlib import Path


def key(row):
    return f"P:{row['section']}:{row['line']}" if row["channel"] == "paper" else f"O:{row['email']}"


def main(d: Path) -> None:
    truth = {t["key"]: t for t in csv.DictReader((d / "truth.csv").open(encoding="utf-8", newline=""))}
    export = {key(r): r for r in csv.DictReader((d / "export.csv").open(encoding="utf-8", newline=""))}
    assert set(truth) == set(export), (len(set(truth) - set(export)), len(set(export) - set(truth)))
    n_reg = sum(1 for t in truth.values() if t["registrant_id"])
    named = right = 0
    unreg: Counter[str] = Counter()
    wrong: Counter[tuple[str, str]] = Counter()
    by_status: Counter[str] = Counter()
    for k, t in truth.items():
        o = export[k]
        if not o["registrant_id"]:
            continue
        named += 1
        by_status[o["status"] + (":" + o["reason"] if o["reason"] else "")] += 1
        if o["registrant_id"] == t["registrant_id"]:
            right += 1
        elif not t["registrant_id"]:
            unreg["housemate" if "housemate" in t["tags"].split(";") else "other"] += 1
        else:
            wrong[(t["category"], o["status"])] += 1
    unreg_total = sum(1 for t in truth.values() if not t["registrant_id"])
    housemates = sum(1 for t in truth.values() if "housemate" in t["tags"].split(";"))
    print(
        f"our engine, {d}: {len(truth):,} signatures, {n_reg:,} by registered people, {unreg_total} unregistered "
        f"({housemates} housemates)"
    )
    print(f"  named {named:,} (by status: {dict(by_status)})")
    print(
        f"  named-voter precision {100 * right / named:.2f} % ({right:,}/{named:,}), "
        f"recall {100 * right / n_reg:.2f} % ({right:,}/{n_reg:,})"
    )
    print(
        f"  unregistered named: housemate {unreg['housemate']}, other {unreg['other']}; "
        f"registered named as another voter: {sum(wrong.values())} {dict(wrong)}"
    )
    # valid only (the status a county counts)
    v = [k for k, o in export.items() if o["status"] == "valid"]
    vr = sum(export[k]["registrant_id"] == truth[k]["registrant_id"] for k in v)
    print(f"  status valid only: {len(v):,}, naming the true registrant {vr:,} ({100 * vr / len(v):.2f} %)")


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        main(Path(arg))
