"""Splink on the synthetic petition benchmark (bench.generate: households, Jr/Sr,
unregistered housemates), configured as on FEBRL4 (bench/splink/model.py).

    SPLINK_VENV/bin/python -m bench.splink.synthetic --seed N [--seed M ...]
        [--blocking standard|wide] [--training unsupervised|labels] [--examples 5] [--out DIR]

Inputs (per seed, in bench-out/splink-synthetic/seed-N/): voters_prep.csv and
signatures_prep.csv written by bench/splink/prepare_synthetic.py (the project's
parsers), truth.csv and voters.tsv from bench.generate (bench/splink/run_all.sh).

- A = every voter row (status A and I: all are registered, as the import keeps them),
  B = the 5,000 signatures (paper + online), fields: given_name, surname,
  street_number, address_1 (standardised street), suburb (city), postcode (ZIP5), county.
- The prediction table is read back without its value columns (memory); values
  are joined again from the inputs where needed.
- Best candidate per signature = highest match weight (ties broken by voter id, counted);
  "mutual": also that voter's best signature is this one.
- Named at threshold t: best candidate with match_probability >= t.
  precision = named the true registrant / named (unregistered signers named = wrong);
  recall = named the true registrant / signatures whose registrant_id is not empty.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from bench.splink.model import pct, splink_predict

DATA = Path("bench-out/splink-synthetic")
THRESHOLDS = (0.5, 0.9, 0.99)


# --- Data -----------------------------------------------------------------------------------------


def read_prep(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for c in df.columns:
        if c != "rec_id":
            df[c] = df[c].map(lambda v: v or None)
    return df


def read_truth(path: Path) -> pd.DataFrame:
    t = pd.read_csv(path, dtype=str, keep_default_na=False).set_index("key")
    t["true_a"] = ["V" + r if r else "" for r in t["registrant_id"]]
    t["housemate"] = ["housemate" in x.split(";") for x in t["tags"]]
    return t


def read_voters_tsv(path: Path) -> dict[str, dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            "V" + r["RegistrantID"].strip(): r for r in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        }


def describe_voter(r: dict) -> str:
    name = " ".join(x for x in (r["FirstName"], r["MiddleName"], r["LastName"], r["Suffix"]) if x)
    street = " ".join(
        x
        for x in (
            r["AddressNumber"] + r["AddressNumberSuffix"],
            r["StreetDirPrefix"],
            r["StreetName"],
            r["StreetType"],
            r["StreetDirSuffix"],
        )
        if x
    )
    unit = " ".join(x for x in (r["UnitType"], r["UnitNumber"]) if x)
    return f"{name} | {street}{' ' + unit if unit else ''}, {r['City']} {r['Zip']} | county {r['CountyCode']} | status {r['Status']}"


# --- Evaluation -----------------------------------------------------------------------------------


def best_candidates(pred: pd.DataFrame) -> pd.DataFrame:
    ranked = pred.sort_values(["b_id", "match_weight", "a_id"], ascending=[True, False, True])
    best = ranked.drop_duplicates("b_id").set_index("b_id")
    second = ranked[ranked.duplicated("b_id")].drop_duplicates("b_id").set_index("b_id")
    best["second_weight"] = second["match_weight"].reindex(best.index)
    best["second_a"] = second["a_id"].reindex(best.index)
    best["tie"] = best["second_weight"].eq(best["match_weight"]).fillna(False)
    best_b_of_a = (
        pred.sort_values(["a_id", "match_weight", "b_id"], ascending=[True, False, True])
        .drop_duplicates("a_id")
        .set_index("a_id")["b_id"]
    )
    best["mutual"] = [best_b_of_a.get(a) == b for b, a in zip(best.index, best["a_id"])]
    return best


def evaluate(best: pd.DataFrame, truth: pd.DataFrame, a_prep: pd.DataFrame, b_prep: pd.DataFrame, mutual: bool) -> dict:
    df = best[best["mutual"]] if mutual else best
    df = df.join(truth[["true_a", "housemate", "category"]], how="left")
    assert df["true_a"].notna().all()
    df["correct"] = df["a_id"] == df["true_a"]
    df = df.sort_values("match_weight", ascending=False)
    n_reg = int((truth["true_a"] != "").sum())
    out: dict[str, Any] = {"variant": "mutual" if mutual else "best", "registered_signatures": n_reg}
    va = a_prep.set_index("rec_id")
    vb = b_prep.set_index("rec_id")

    def at(sel: pd.DataFrame) -> dict:
        named = len(sel)
        right = int(sel["correct"].sum())
        unreg = sel[sel["true_a"] == ""]
        wrong_reg = sel[(sel["true_a"] != "") & ~sel["correct"]]
        hm = unreg[unreg["housemate"]]
        # whom do housemates get named as? same written address (house, street, county) and same surname?
        kinds: Counter[str] = Counter()
        for b, a in zip(hm.index, hm["a_id"]):
            same_addr = all(vb.at[b, c] == va.at[a, c] for c in ("street_number", "address_1", "county"))
            same_surname = vb.at[b, "surname"] == va.at[a, "surname"]
            kinds[
                "relative at the address (same address and surname)"
                if same_addr and same_surname
                else "same address, another surname"
                if same_addr
                else "elsewhere"
            ] += 1
        return {
            "named": named,
            "right": right,
            "precision": right / named if named else float("nan"),
            "recall": right / n_reg,
            "unregistered_named": len(unreg),
            "housemate_named": len(hm),
            "other_unregistered_named": len(unreg) - len(hm),
            "housemate_named_as": dict(kinds),
            "registered_named_wrong_voter": len(wrong_reg),
            "wrong_voter_by_category": dict(Counter(wrong_reg["category"])),
            "wrong_voter_tied_at_top": int(wrong_reg["tie"].sum()),
            "ties_named": int(sel["tie"].sum()),
        }

    for t in THRESHOLDS:
        out[f"t={t}"] = at(df[df["match_probability"] >= t])
    # operating point: the lowest weight threshold (at the end of a group of equal weights) with precision >= 99.5 %
    weights = df["match_weight"].to_numpy()
    correct = df["correct"].to_numpy().cumsum()
    op = None
    for i in range(len(df)):
        if i + 1 < len(df) and weights[i + 1] == weights[i]:
            continue
        if correct[i] / (i + 1) >= 0.995:
            op = i
    if op is not None:
        out["op"] = {
            "weight": float(weights[op]),
            "probability": float(df["match_probability"].iloc[op]),
            **at(df.iloc[: op + 1]),
        }
    return out


def run(seed: int, blocking: str, out_dir: Path, n_examples: int, training: str = "unsupervised") -> dict:
    d = DATA / f"seed-{seed}"
    a_prep, b_prep = read_prep(d / "voters_prep.csv"), read_prep(d / "signatures_prep.csv")
    truth = read_truth(d / "truth.csv")
    started = time.monotonic()
    reg_ = truth[truth["true_a"] != ""]
    labels = pd.DataFrame(
        {
            "source_dataset_l": "voters",
            "rec_id_l": reg_["true_a"].to_numpy(),
            "source_dataset_r": "signatures",
            "rec_id_r": reg_.index.to_numpy(),
        }
    )
    pred, info = splink_predict(
        a_prep, b_prep, seed=seed, blocking_mode=blocking, training=training, labels=labels, slim=True
    )
    info["seconds"] = time.monotonic() - started
    best = best_candidates(pred)
    pairs = set(zip(pred["b_id"], pred["a_id"]))
    reg = truth[truth["true_a"] != ""]
    blocked = sum((k, a) in pairs for k, a in zip(reg.index, reg["true_a"]))
    r = {
        "seed": seed,
        "blocking": blocking,
        "training": training,
        "voters": len(a_prep),
        "signatures": len(b_prep),
        "registered_signatures": len(reg),
        "unregistered_signatures": int((truth["true_a"] == "").sum()),
        "housemate_signatures": int(truth["housemate"].sum()),
        "blocking_recall": blocked / len(reg),
        "ties": int(best["tie"].sum()),
        "signatures_with_a_candidate": len(best),
        **{k: v for k, v in info.items() if k != "model"},
    }
    for mutual in (False, True):
        r["mutual" if mutual else "best"] = evaluate(best, truth, a_prep, b_prep, mutual)
    tag = blocking if training == "unsupervised" else f"{blocking}-{training}"
    (out_dir / f"model-{tag}-{seed}.json").write_text(json.dumps(info["model"], indent=1, default=str))

    # every signature: best candidate, truth, written, named voter (for inspection)
    voters = read_voters_tsv(d / "voters.tsv")
    j = best.join(truth[["true_a", "category", "tags", "written", "housemate"]], how="left")
    rows = []
    for b, x in j.iterrows():
        rows.append(
            {
                "key": b,
                "category": x["category"],
                "tags": x["tags"],
                "true_registrant": x["true_a"][1:],
                "best_registrant": x["a_id"][1:],
                "correct": x["a_id"] == x["true_a"],
                "match_weight": x["match_weight"],
                "match_probability": x["match_probability"],
                "tie": x["tie"],
                "mutual": x["mutual"],
                "second_weight": x["second_weight"],
                "written": x["written"],
                "best_voter": describe_voter(voters[x["a_id"]]),
                "true_voter": describe_voter(voters[x["true_a"]]) if x["true_a"] else "",
            }
        )
    pd.DataFrame(rows).to_csv(out_dir / f"best-{tag}-{seed}.csv", index=False)

    # examples: housemate signers named at t = 0.5 (best candidate)
    hm = j[j["housemate"] & (j["match_probability"] >= 0.5)].sort_values("match_weight", ascending=False)
    ex = []
    comps = [c[3:] for c in best.columns if c.startswith("mw_") and not c.startswith("mw_tf_adj_")]
    va, vb = a_prep.set_index("rec_id"), b_prep.set_index("rec_id")
    for b, x in hm.iterrows():
        parts = []
        for k in comps:
            w, tf = x[f"mw_{k}"], x.get(f"mw_tf_adj_{k}", 0.0)
            tf = 0.0 if tf != tf else tf
            parts.append(f"{k} {w + tf:+.1f} [lvl {x[f'gamma_{k}']}]")
        ex.append(
            {
                "key": b,
                "written": x["written"],
                "named": describe_voter(voters[x["a_id"]]),
                "splink_b": " | ".join(str(vb.at[b, c]) for c in vb.columns),
                "splink_a": " | ".join(str(va.at[x["a_id"], c]) for c in va.columns),
                "weight": float(x["match_weight"]),
                "probability": float(x["match_probability"]),
                "prior": math.log2(info["lambda"] / (1 - info["lambda"])),
                "weights": ", ".join(parts),
            }
        )
    r["housemate_examples"] = ex
    return r


def report(r: dict, n_examples: int) -> None:
    print(
        f"\n== Splink, synthetic seed {r['seed']}, blocking={r['blocking']}, training={r['training']}: {r['voters']:,} voters, "
        f"{r['signatures']:,} signatures ({r['registered_signatures']:,} by registered people, "
        f"{r['unregistered_signatures']} unregistered of which {r['housemate_signatures']} housemates)"
    )
    print(
        f"   lambda {r['lambda']:.3g}, {r['pairs']:,} blocked pairs, blocking recall {pct(r['blocking_recall'])}, "
        f"signatures with a candidate {r['signatures_with_a_candidate']:,}, ties at top {r['ties']}, {r['seconds']:.0f} s "
        f"(train {r['train_seconds']:.0f} s, predict {r['predict_seconds']:.0f} s)"
    )
    for key in ("best", "mutual"):
        s = r[key]
        for point in [f"t={t}" for t in THRESHOLDS] + ["op"]:
            x = s.get(point)
            if x is None:
                print(f"   {key:<6} op    : no threshold reaches precision 99.5 %")
                continue
            label = (
                point
                if point != "op"
                else f"op (P>=99.5 %, w>={s['op']['weight']:.2f}, p>={s['op']['probability']:.4g})"
            )
            print(
                f"   {key:<6} {label}: precision {pct(x['precision'])}, recall {pct(x['recall'])} ({x['right']:,}/{s['registered_signatures']:,}), "
                f"named {x['named']:,}; unregistered named {x['unregistered_named']} (housemate {x['housemate_named']}, "
                f"other {x['other_unregistered_named']}); registered named as another voter {x['registered_named_wrong_voter']} "
                f"(tied at top {x['wrong_voter_tied_at_top']})"
            )
            if x["housemate_named_as"]:
                print(f"          housemates named as: {x['housemate_named_as']}")
            if x["wrong_voter_by_category"]:
                print(f"          wrong voter by category: {x['wrong_voter_by_category']}")
    ex = r["housemate_examples"]
    print(f"   {min(n_examples, len(ex))} of {len(ex)} housemate signers named at t=0.5 (best candidate):")
    for e in ex[:n_examples]:
        print(f"     {e['key']}: weight {e['weight']:.2f}, p {e['probability']:.6f}")
        print(f"       written: {e['written']}")
        print(f"       named  : {e['named']}")
        print(f"       Splink B: {e['splink_b']}")
        print(f"       Splink A: {e['splink_a']}")
        print(f"       weights (log2): prior {e['prior']:+.1f}; {e['weights']}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, action="append", required=True)
    p.add_argument("--blocking", choices=["standard", "wide"], default="standard")
    p.add_argument("--examples", type=int, default=5)
    p.add_argument(
        "--training",
        choices=["unsupervised", "labels"],
        default="unsupervised",
        help="unsupervised: the FEBRL run's training (EM); labels: DIAGNOSTIC, m from the true pairs",
    )
    p.add_argument("--out", type=Path, default=DATA / "out")
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for seed in args.seed:
        r = run(seed, args.blocking, args.out, args.examples, args.training)
        report(r, args.examples)
        tag = args.blocking if args.training == "unsupervised" else f"{args.blocking}-{args.training}"
        (args.out / f"result-{tag}-{seed}.json").write_text(json.dumps(r, indent=1, default=str))
        results.append(r)
        sys.stdout.flush()
    print("\n== summary")
    for r in results:
        for key in ("best", "mutual"):
            s = r[key]
            print(
                f"seed {r['seed']} {r['blocking']:<8} {r['training']:<12} {key:<6}: "
                + "; ".join(
                    f"t={t}: P {pct(s[f't={t}']['precision'])} R {pct(s[f't={t}']['recall'])} unreg {s[f't={t}']['housemate_named']}/{s[f't={t}']['other_unregistered_named']}"
                    for t in THRESHOLDS
                )
                + (f"; op R {pct(s['op']['recall'])}" if "op" in s else "; op none")
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
