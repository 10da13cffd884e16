"""Splink, the open-source record linker, as the issue's yardstick: one configuration
for both data sets (bench/splink/febrl4.py, bench/splink/synthetic.py).

Unsupervised, DuckDB backend, link_only between "voters" and "signatures", on
the fields a petition line carries: given_name, surname, street_number,
address_1 (the street), suburb (the city), postcode (the ZIP), county.
Standard comparisons with term-frequency adjustments; u from 10^7 random pairs;
lambda from deterministic rules (recall 0.8 assumed); EM blocked on given name +
surname, then on postcode. No labels (but for the --training labels diagnostic).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pandas as pd


def pct(x: float) -> str:
    return "  n/a  " if x != x else f"{100 * x:6.2f} %"


def splink_predict(
    a_prep: pd.DataFrame,
    b_prep: pd.DataFrame,
    *,
    seed: int,
    blocking_mode: str,
    fields: str = "petition",
    training: str = "unsupervised",
    labels: pd.DataFrame | None = None,
    slim: bool = False,
) -> tuple[pd.DataFrame, dict]:
    """Link a_prep (the voter file, "voters") and b_prep (the signatures) and return
    every blocked pair's prediction (with a_id, b_id) and facts about the model.

    fields "all" (FEBRL only) adds date of birth, identity number and address_2;
    training "labels" is a DIAGNOSTIC (m from the true pairs, not unsupervised);
    slim reads the prediction back without the value columns (memory)."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    comparisons = [
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.DamerauLevenshteinAtThresholds("street_number", [1]).configure(term_frequency_adjustments=True),
        cl.JaroWinklerAtThresholds("address_1", [0.9, 0.8]).configure(term_frequency_adjustments=True),
        cl.JaroWinklerAtThresholds("suburb", [0.9, 0.8]).configure(term_frequency_adjustments=True),
        cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True),
        cl.ExactMatch("county").configure(term_frequency_adjustments=True),
    ]
    blocking = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("surname", "postcode"),
        block_on("given_name", "postcode"),
        block_on("surname", "suburb"),
        block_on("given_name", "suburb"),
        block_on("surname", "street_number"),
        block_on("given_name", "street_number"),
        block_on("street_number", "address_1"),
        block_on("street_number", "postcode"),
        block_on("street_number", "suburb"),
        block_on("address_1", "suburb"),
        block_on("address_1", "postcode"),
        block_on("postcode"),
    ]
    if blocking_mode == "wide":
        blocking += [block_on("surname"), block_on("given_name"), block_on("address_1"), block_on("suburb")]
    elif blocking_mode == "cartesian":
        blocking = ["1=1"]
    deterministic = [
        block_on("given_name", "surname", "street_number"),
        block_on("given_name", "surname", "postcode"),
    ]
    em_rules = [block_on("given_name", "surname"), block_on("postcode")]
    if fields == "all":
        comparisons += [
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d", invalid_dates_as_null=True
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.JaroWinklerAtThresholds("address_2", [0.9, 0.8]).configure(term_frequency_adjustments=True),
        ]
        blocking += [block_on("date_of_birth"), block_on("soc_sec_id")]
        deterministic = [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")]
        em_rules = [block_on("date_of_birth"), block_on("postcode")]

    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="rec_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=True,
    )
    db_api = DuckDBAPI()
    sdf_a = db_api.register(a_prep, dataset_display_name="voters")
    sdf_b = db_api.register(b_prep, dataset_display_name="signatures")
    linker = Linker([sdf_a, sdf_b], settings, log_level=logging.WARNING)
    info: dict[str, Any] = {}
    started = time.monotonic()
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=seed)
    if training == "unsupervised":
        for rule in em_rules:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
    else:  # DIAGNOSTIC ONLY (not the FEBRL configuration): m from the true pairs instead of EM
        linker.table_management.register_table(labels, "labels", overwrite=True)
        linker.training.estimate_m_from_pairwise_labels("labels")
    info["train_seconds"] = time.monotonic() - started
    info["lambda"] = linker._settings_obj._probability_two_random_records_match
    started = time.monotonic()
    predicted = linker.inference.predict(threshold_match_weight=-30 if blocking_mode == "cartesian" else None)
    if slim:
        rel = predicted.as_duckdbpyrelation()
        keep = [
            c
            for c in rel.columns
            if not (c.endswith("_l") or c.endswith("_r"))
            or c in ("rec_id_l", "rec_id_r", "source_dataset_l", "source_dataset_r")
        ]
        pred = rel.select(", ".join(f'"{c}"' for c in keep)).df()
    else:
        pred = predicted.as_pandas_dataframe()
    info["predict_seconds"] = time.monotonic() - started
    info["pairs"] = len(pred)
    info["model"] = linker.misc.save_model_to_json() if hasattr(linker, "misc") else None
    left_is_a = pred["source_dataset_l"] == "voters"
    pred["a_id"] = pred["rec_id_l"].where(left_is_a, pred["rec_id_r"])
    pred["b_id"] = pred["rec_id_r"].where(left_is_a, pred["rec_id_l"])
    if "voters" not in set(pred["source_dataset_l"]) | set(pred["source_dataset_r"]):
        raise RuntimeError(f"unexpected source_dataset values {pred['source_dataset_l'].unique()[:5]}")
    return pred, info
