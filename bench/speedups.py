"""`make bench-speedups`: what each shortcut of petitions.speedups saves, measured one at a time
against the plain code it stands for.

    DATABASE_URL=... .venv/bin/python -m bench.speedups [--petition calexit] [--repeat 5]

Run against a database holding a voter file and pending signatures (for instance the voter file and
the paper signatures `make bench` writes into bench-out/, imported with `manage.py import_voters` and
`manage.py import_signatures` with no worker running). Nothing is written. A worker's batches are
replayed without their writes (read 500 rows, `decide_many`) and timed in this process's CPU seconds
(the database's work is not in them), the best of --repeat runs, every cache emptied before each run.
Each variant swaps one shortcut for the plain code it stands for; the decisions are compared too.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack, nullcontext
from functools import _lru_cache_wrapper
from unittest import mock


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calexit.settings")
    import django

    django.setup()


def _empty_caches() -> None:
    from petitions.matching import addresses, names, scoring

    for module in (addresses, names, scoring):
        for value in vars(module).values():
            if isinstance(value, _lru_cache_wrapper):
                value.cache_clear()
    scoring._GIVEN_PAIRS.clear()
    scoring._MIDDLE_PAIRS.clear()


def _plain_another_given_name(written, voter) -> bool:
    """scoring.another_given_name with given_name_fit (and its lru_cache) instead of the pair tables."""
    from petitions.matching.names import given_name_fit, name_key
    from petitions.matching.scoring import GIVEN_DIFFERENT, MIDDLE_FACTOR

    registered = voter.key_first
    givens = written.screened_givens
    if not registered or givens is None:
        return False
    if any(given_name_fit(given, registered)[0] >= GIVEN_DIFFERENT for given in givens):
        return False
    if not voter.middle_name:
        return True
    middle = name_key(voter.middle_name)
    return not any(
        len(given) > 1 and MIDDLE_FACTOR * given_name_fit(given, middle)[0] >= GIVEN_DIFFERENT for given in givens
    )


def _plain_voter(row):
    from petitions.models import Voter

    return Voter(**row._asdict())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--petition", default="calexit")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--limit", type=int, default=5000, help="pending signatures to read")
    args = parser.parse_args(argv)
    _setup()

    from petitions.models import Signature
    from petitions.queue import VALIDATE_BATCH
    from petitions.validation import engine

    def read() -> list[Signature]:
        return list(
            Signature.objects.select_related("petition")
            .filter(petition__slug=args.petition, status=Signature.Status.PENDING)
            .order_by("pk")[: args.limit]
        )

    signatures = read()
    if not signatures:
        print(f"No pending signatures in {args.petition}: import some first (see the module's docstring).")
        return 1
    searched = [p for p in map(engine.prepare, signatures) if not isinstance(p, engine.Decision)]

    def work() -> list:
        """A worker's batches without the writes: read 500 rows, decide_many (its candidates in line)."""
        out = []
        rows = read()
        for start in range(0, len(rows), VALIDATE_BATCH):
            out.extend(engine.decide_many(rows[start : start + VALIDATE_BATCH]))
        return out

    def summary(decisions: list) -> list:
        return [None if d is None else (d.status, d.reason, d.voter and d.voter.pk, d.score) for d in decisions]

    def timed(context: Callable[[], AbstractContextManager]) -> tuple[float, list]:
        best, decisions = float("inf"), []
        for _ in range(args.repeat):
            _empty_caches()
            gc.collect()
            with context():
                started = time.process_time()
                decisions = work()
                best = min(best, time.process_time() - started)
        return best, summary(decisions)

    def paused() -> AbstractContextManager:
        from petitions.speedups import cyclic_gc_paused

        return cyclic_gc_paused()

    variants: dict[str, Callable[[], AbstractContextManager]] = {
        "all shortcuts": paused,
        "cycle collector running (no cyclic_gc_paused)": nullcontext,
        "Voter(**row) (no model_from_row)": lambda: _all(paused(), mock.patch.object(engine, "_voter", _plain_voter)),
        "given_name_fit's lru_cache (no PairTable for the prescreen)": lambda: _all(
            paused(), mock.patch("petitions.matching.scoring.another_given_name", _plain_another_given_name)
        ),
    }
    count = len(signatures)
    print(f"{count:,} signatures ({len(searched):,} searched), best of {args.repeat}, CPU ms per signature:")
    baseline, expected = timed(variants["all shortcuts"])
    results = {}
    for name, context in variants.items():
        seconds, decisions = (baseline, expected) if name == "all shortcuts" else timed(context)
        same = decisions == expected
        results[name] = {"cpu_ms_per_signature": round(1000 * seconds / count, 4), "same_decisions": same}
        print(
            f"  {name:<62} {1000 * seconds / count:7.3f}  {100 * (seconds / baseline - 1):+6.1f} %"
            f"  {'same decisions' if same else 'DECISIONS DIFFER'}"
        )
    print(json.dumps(results))
    return 0 if all(r["same_decisions"] for r in results.values()) else 1


def _all(*contexts: AbstractContextManager) -> ExitStack:
    stack = ExitStack()
    for context in contexts:
        stack.enter_context(context)
    return stack


if __name__ == "__main__":
    sys.exit(main())
