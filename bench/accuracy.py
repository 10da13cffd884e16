"""`make bench-accuracy`: the real pipeline on synthetic data with known truth.

    .venv/bin/python -m bench.accuracy [--seed N] [--voters 20000] [--signatures 5000] [--keep]
    SEED=N make bench-accuracy          # repeat a run

1. bench.generate writes a voter file, keyed paper signatures, online signatures
   and the truth into bench-out/accuracy-<seed>/ (a fresh random seed each run
   unless --seed or SEED is given; the seed is printed).
2. A scratch PostgreSQL database (calexit_bench_accuracy, or --database) is
   created and migrated; the benchmark's own Redis database (BENCH_REDIS_URL,
   default redis://127.0.0.1:6379/5) is claimed: a run refuses one that another
   run, a test session or `make run` is using (bench.scratch.RedisClaim).
3. `manage.py import_voters`, then a real Celery worker and beat (the
   docker-compose.yml commands, as tests/conftest.py runs them), then
   `manage.py import_signatures` (paper), bench.load_online (the signing form,
   `signature_create_online`, `signature_confirm`), `manage.py validate_signatures`
   (waits for the worker), `manage.py export_signatures`.
4. bench.score compares the export with the truth and prints each measure with
   its target (issue 3, item 8), PASS or FAIL; report.json and errors.csv (every
   signature judged wrong, with what was written and what the file holds) go
   beside the data.
5. The worker is stopped and the database dropped however the run ends (--keep
   leaves the database for a look). Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import score
from bench.generate import write_files
from bench.scratch import (
    ROOT,
    Beat,
    RedisClaim,
    ScratchDatabase,
    Worker,
    child_env,
    code_state,
    exit_cleanly_on_sigterm,
    machine,
    manage,
    run,
)

DATABASE_NAME = "calexit_bench_accuracy"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/5"


def _seed(value: int | None) -> int:
    if value is not None:
        return value
    if os.environ.get("SEED", "").strip():
        return int(os.environ["SEED"])
    return random.SystemRandom().randrange(1, 1_000_000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Accuracy of signature validation on synthetic data with known truth.")
    parser.add_argument("--seed", type=int, help="generator seed (default: $SEED, else a fresh random one)")
    parser.add_argument("--voters", type=int, default=20_000)
    parser.add_argument("--signatures", type=int, default=5_000)
    parser.add_argument(
        "--concurrency", type=int, help="worker processes (default: the compose command's, one per CPU)"
    )
    parser.add_argument(
        "--out", type=Path, help="where to write the data and the report (default bench-out/accuracy-<seed>)"
    )
    parser.add_argument(
        "--database", default=DATABASE_NAME, help=f"scratch database name, calexit_bench_* (default {DATABASE_NAME})"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    args = parser.parse_args(argv)
    exit_cleanly_on_sigterm()

    seed = _seed(args.seed)
    out = args.out or ROOT / "bench-out" / f"accuracy-{seed}"
    out.mkdir(parents=True, exist_ok=True)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    print(f"Seed {seed} (repeat with SEED={seed} make bench-accuracy); output in {out}")
    print("Code: " + ", ".join(f"{k} {v}" for k, v in code_state().items()))

    phases: dict[str, float] = {}

    def phase(name: str, started: float) -> None:
        phases[name] = round(time.monotonic() - started, 2)
        print(f"  {name}: {phases[name]:.1f} s")

    started = time.monotonic()
    manifest = write_files(out, seed=seed, voters=args.voters, signatures=args.signatures)
    print(
        f"Generated {manifest['voters']:,} voters, {manifest['signatures']:,} signatures "
        f"({manifest['paper']:,} paper in {manifest['sections']:,} sections, {manifest['online']:,} online)"
    )
    phase("generate", started)

    database = ScratchDatabase(args.database)
    claim = RedisClaim(redis_url, "bench-accuracy")
    # The sweep resends a validation whose message was lost; only after 5 minutes,
    # so that it does not flood a busy worker with copies of queued tasks.
    env = child_env(database.url, redis_url, SWEEP_INTERVAL="60", SWEEP_GRACE="300")
    worker = Worker(env, log_path=out / "worker.log", node="bench-accuracy", concurrency=args.concurrency)
    beat = Beat(env, log_path=out / "beat.log", schedule=out / "celerybeat-schedule")
    export_path = out / "export.csv"
    try:
        claim.acquire()
        started = time.monotonic()
        database.create()
        manage("migrate", "--noinput", env=env)
        phase("create and migrate the scratch database", started)

        started = time.monotonic()
        manage("import_voters", str(out / manifest["voter_file"]), env=env, echo=True)
        phase("import_voters", started)

        started = time.monotonic()
        worker.start()
        beat.start()
        phase(f"start the worker ({' '.join(worker.command[1:])}) and beat", started)

        started = time.monotonic()
        manage("import_signatures", str(out / "paper.csv"), "--petition", "calexit", env=env, echo=True)
        phase("import_signatures", started)

        started = time.monotonic()
        run(
            [sys.executable, "-m", "bench.load_online", str(out / "online.csv"), "--petition", "calexit"],
            env,
            echo=True,
        )
        phase("sign online (form, signature_create_online, signature_confirm)", started)

        started = time.monotonic()
        manage("validate_signatures", "--petition", "calexit", "--timeout", "1800", env=env, echo=True)
        phase("validate_signatures", started)

        started = time.monotonic()
        manage("export_signatures", "--petition", "calexit", "--output", str(export_path), env=env)
        phase("export_signatures", started)
    finally:
        beat.stop()
        worker.stop()
        if args.keep:
            print(f"Kept the database: {database.url}")
        else:
            database.drop()
        claim.release()

    report = score.score(score.read_truth(out / "truth.csv"), score.read_export(export_path))
    print()
    print(f"Accuracy on seed {seed}: {manifest['voters']:,} voters, {report.signatures:,} signatures")
    print(score.format_report(report))
    score.write_errors(report, out / "errors.csv")
    result = {
        "benchmark": "accuracy",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": seed,
        "machine": machine(),
        "code": code_state(),
        "manifest": manifest,
        "phases_seconds": phases,
        "report": score.report_as_dict(report),
    }
    (out / "report.json").write_text(json.dumps(result, indent=2) + "\n")
    failed = [name for name, ok in report.passed().items() if not ok]
    print()
    print(f"Signatures judged wrong: {len(report.errors):,}, listed in {out / 'errors.csv'}")
    print(
        f"{'FAIL' if failed else 'PASS'}: "
        + (
            f"{len(failed)} of {len(score.TARGETS)} targets missed ({', '.join(failed)})"
            if failed
            else f"all {len(score.TARGETS)} targets met"
        )
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
