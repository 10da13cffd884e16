"""`make bench`: voter import and signature validation throughput at 1, 5 and 22.6 million voters.

    .venv/bin/python -m bench.throughput [--sizes 1000000,5000000,22600000] [--signatures 5000] [--plain]
        [--moonshot 1000000]
    SIZES=1000000 make bench
    SIZES=22600000 MOONSHOT=1000000 make bench

For each size, in a fresh scratch PostgreSQL database (calexit_bench_throughput,
dropped afterwards however the run ends):

1. The voter file: petitions.demo.voters.write_synthetic_voter_file (the streaming
   writer), seed 2026, gzip-compressed (--plain: uncompressed), kept in
   bench-out/ and reused by later runs.
2. Import: `manage.py import_voters FILE` in its own process: wall time, rows per
   second, and peak memory: the process's own (ru_maxrss from wait4) and, sampled
   every 0.25 s from /proc, the largest sum over the command and the processes it
   forks to parse the file (the PostgreSQL server's memory is not included). The
   import's phases (seconds each) come from its audit-log entry.
3. Validation, in-process, batched: 5,000 keyed paper signatures
   (bench.throughput_work: 70 % as people write, 10 % typos, 5 % nicknames,
   15 % not registered) are imported with `manage.py import_signatures` while
   no worker runs (their tasks are then dropped from the benchmark's Redis
   database), and validated by ONE process calling `signatures_validate` on
   batches of VALIDATE_BATCH, the service the `validate_signatures` task
   calls: the engine and the database, without the broker.
4. The same, one signature at a time (`signature_validate`, the path a batch
   falls back to when it loses a race), on another 1,000 signatures (other
   voters): what batching buys.
5. Validation through Celery: another 5,000 (other voters again), validated by
   the compose file's worker command with `--concurrency 1` (one pool
   process), sent and awaited by `manage.py validate_signatures` (batch tasks
   of VALIDATE_BATCH, all queued at once). From the worker's own log (INFO):
   rate = signatures / (the last task's "succeeded" - the first task's
   "received"), the worker's wall time from taking the first batch to
   finishing the last, every gap between tasks included; beside it the rate
   over the tasks' own run times (their sum), and the command's wall time
   (which also includes sending the tasks, a 1 s ping and 0.5 s polling).

6. With --moonshot N (or $MOONSHOT), at the last size only: N more signatures
   (other voters' pk classes overlap: about 1 in 10 of them signs twice) made
   before the clock starts, then, timed end to end, `manage.py
   import_signatures` (which queues their validation) while the compose file's
   worker runs with --concurrency 2 (one pool process per core), until no
   signature is pending (polled every 2 s). The issue's moonshot: 1 M
   signatures against 22.6 M voters in under 10 minutes.

Beside the import, the Celery run and the moonshot: the whole machine's busy
core-seconds (/proc/stat, every process's CPU, PostgreSQL's included), per row
or signature, and the best rate that cost allows with every core busy: a target
above it cannot be met on this machine without doing less work.

Results: a table on stdout and bench-out/throughput-<UTC time>.json (rewritten
after each size, so a run cut short keeps what it measured).
Targets: at least 1,000 signatures per second per worker process, not falling as
the file grows (issue 3, item 9; issue 12 at 22.6 M voters); the import at
100,000 rows/s or more at 22.6 M, memory flat (issue 12, item 5).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

from bench.scratch import (
    ROOT,
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
from petitions.demo.voters import write_synthetic_voter_file

DATABASE_NAME = "calexit_bench_throughput"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/6"
VOTER_FILE_SEED = 2026
TARGET_PER_SECOND = 1000
TARGET_IMPORT_ROWS_PER_SECOND = 100_000
MOONSHOT_SECONDS = 600


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants (KiB), from /proc."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/status", encoding="ascii") as status:
                total += next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as children:
                    todo.extend(int(child) for child in children.read().split())
        except (OSError, ValueError):
            continue  # gone meanwhile
    return total


def busy_core_seconds(cpu_line: str) -> float:
    """The core-seconds a machine has spent busy, from the first line of /proc/stat ("cpu  user nice system
    idle iowait irq softirq steal ..." in clock ticks): user, nice, system, irq and softirq, summed over the
    cores. Idle, waiting on I/O and time stolen by the hypervisor are not busy."""
    name, *ticks = cpu_line.split()
    if name != "cpu":
        raise ValueError(f"not /proc/stat's total line: {cpu_line!r}")
    user, nice, system, _idle, _iowait, irq, softirq = (int(value) for value in ticks[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> float:
    """busy_core_seconds of this machine now: every process's CPU, PostgreSQL's and Redis' included."""
    with open("/proc/stat", encoding="ascii") as stat:
        return busy_core_seconds(stat.readline())


NO_STATEMENT = "no statement running"


def core_seconds_by_statement(samples: list[tuple[float, float, str]]) -> dict[str, dict[str, float]]:
    """From (time, machine_busy, statement_label) samples: the wall seconds and the machine's busy
    core-seconds under each statement, in the order each first ran. An interval between two samples
    goes to the statement running at its start."""
    result: dict[str, dict[str, float]] = {}
    for (t0, b0, label), (t1, b1, _) in pairwise(samples):
        entry = result.setdefault(label or NO_STATEMENT, {"seconds": 0.0, "core_seconds": 0.0})
        entry["seconds"] += t1 - t0
        entry["core_seconds"] += b1 - b0
    return {
        label: {"seconds": round(entry["seconds"], 1), "core_seconds": round(entry["core_seconds"], 1)}
        for label, entry in result.items()
    }


def machine_use(samples: list[tuple[float, float]], count: int) -> dict:
    """What the whole machine spent on `count` things (rows, signatures) between the first and last
    (time, machine_busy) samples, and the rate that CPU cost allows at best: every core busy."""
    seconds = samples[-1][0] - samples[0][0]
    core_seconds = samples[-1][1] - samples[0][1]
    cores = os.cpu_count() or 1
    return {
        "cores": cores,
        "core_seconds": round(core_seconds, 1),
        "cores_busy": round(core_seconds / seconds, 2) if seconds else None,
        "ms_each": round(core_seconds / count * 1000, 4) if count else None,
        "per_second_at_most": round(cores * count / core_seconds) if core_seconds else None,
    }


def _machine_line(use: dict, unit: str) -> str:
    return (
        f"{use['core_seconds']:,.1f} busy core-seconds ({use['cores_busy']} of {use['cores']} cores on average), "
        f"{use['ms_each']} ms of CPU per {unit}: at most {use['per_second_at_most'] or 0:,} {unit}s/s with every "
        f"core busy"
    )


def import_voters(path: Path, env: dict[str, str], watch: Callable[[], str] = lambda: "") -> dict:
    """`manage.py import_voters path` in its own process: wall time, its CPU, its own peak
    memory (wait4) and the peak of its process tree (sampled), and, sampled with the memory,
    the machine's busy core-seconds and what `watch` says the import's database connection runs."""
    started = time.monotonic()
    busy = [(started, machine_busy(), watch())]
    process = subprocess.Popen(
        [sys.executable, "manage.py", "import_voters", str(path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.25):
            peak = max(peak, _tree_rss_kib(process.pid))
            busy.append((time.monotonic(), machine_busy(), watch()))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out: list[str] = []
    err: list[str] = []
    readers = [
        threading.Thread(target=lambda: out.append(process.stdout.read()), daemon=True),  # type: ignore[union-attr]
        threading.Thread(target=lambda: err.append(process.stderr.read()), daemon=True),  # type: ignore[union-attr]
    ]
    for reader in readers:
        reader.start()
    _, status, rusage = os.wait4(process.pid, 0)
    ended = time.monotonic()
    seconds = ended - started
    done.set()
    for thread in (*readers, sampler):
        thread.join()
    busy.append((ended, machine_busy(), ""))
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"import_voters failed: {''.join(err)[-2000:]}")
    return {
        "stdout": "".join(out),
        "seconds": seconds,
        "max_rss_kib": rusage.ru_maxrss,
        "tree_peak_rss_kib": peak,
        "user_seconds": rusage.ru_utime,
        "system_seconds": rusage.ru_stime,
        "busy_samples": busy,
    }


def voter_file(size: int, *, plain: bool, out: Path) -> tuple[Path, float | None]:
    path = out / f"voters-{size}-seed{VOTER_FILE_SEED}.tsv{'' if plain else '.gz'}"
    if path.exists():
        return path, None
    started = time.monotonic()
    partial = path.with_name(path.name.replace(".tsv", ".partial.tsv"))
    write_synthetic_voter_file(partial, count=size, seed=VOTER_FILE_SEED)
    partial.replace(path)
    return path, time.monotonic() - started


# Celery's own format ("[time: INFO/ForkPoolWorker-1] ...") or the project's LOGGING
# ("time INFO celery.app.trace: ...").
_WORKER_LINE = re.compile(
    r"^\[?(?P<at>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})(?:: INFO/\S+\]| INFO \S+:) "
    r"Task petitions\.tasks\.validate_signatures\[(?P<id>[^\]]+)\] "
    r"(?:(?P<received>received)|succeeded in (?P<seconds>[\d.]+)s: (?P<validated>\d+))"
)


def worker_tasks(log_path: Path) -> list[dict]:
    """The validate_signatures tasks of a worker's log (Celery's INFO lines): when
    each was received and finished, how long it ran and how many it validated."""
    received: dict[str, datetime] = {}
    tasks = []
    for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
        match = _WORKER_LINE.match(line)
        if not match:
            continue
        at = datetime.strptime(match["at"], "%Y-%m-%d %H:%M:%S,%f")  # noqa: DTZ007 - the log's times, only subtracted
        if match["received"]:
            received[match["id"]] = at
        elif match["id"] in received:
            tasks.append(
                {
                    "received": received[match["id"]],
                    "succeeded": at,
                    "seconds": float(match["seconds"]),
                    "validated": int(match["validated"]),
                }
            )
    return tasks


def _json_line(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


def measure(
    size: int,
    *,
    signatures: int,
    plain: bool,
    out: Path,
    redis_url: str,
    database_name: str,
    moonshot: int = 0,
) -> dict:
    path, generated = voter_file(size, plain=plain, out=out)
    print(
        f"\n== {size:,} voters: {path.name} ({path.stat().st_size / 2**20:,.0f} MiB"
        + (f", written in {generated:.0f} s)" if generated is not None else ", reused)")
    )
    result: dict = {
        "voters": size,
        "file": path.name,
        "file_bytes": path.stat().st_size,
        "compressed": not plain,
        "file_written_seconds": generated,
    }
    database = ScratchDatabase(database_name)
    claim = RedisClaim(redis_url, "bench-throughput")
    queued_env = child_env(database.url, redis_url)  # tasks go to Redis, where no worker listens yet
    worker = Worker(queued_env, log_path=out / f"throughput-worker-{size}.log", node="bench-throughput", concurrency=1)
    try:
        claim.acquire()
        database.create()
        manage("migrate", "--noinput", env=queued_env)

        result["load_average_before_import"] = os.getloadavg()[0]
        with database.statement_watch() as watch:
            imported = import_voters(path, queued_env, watch)
        summary = imported["stdout"].strip().splitlines()[-1]
        counted = re.search(r"([\d,]+) rows", summary)
        if counted is None:
            raise RuntimeError(f"import_voters did not say how many rows it read: {summary!r}")
        rows = int(counted.group(1).replace(",", ""))
        detail = database.query(
            "SELECT detail FROM petitions_auditlog WHERE action = 'voters.import' ORDER BY id DESC LIMIT 1"
        )[0][0]
        if isinstance(detail, str):
            detail = json.loads(detail)
        result["import"] = {
            "rows": rows,
            "seconds": round(imported["seconds"], 1),
            "rows_per_second": round(rows / imported["seconds"]),
            "peak_rss_mib": round(imported["max_rss_kib"] / 1024),
            "tree_peak_rss_mib": round(imported["tree_peak_rss_kib"] / 1024),
            "user_seconds": round(imported["user_seconds"], 1),
            "system_seconds": round(imported["system_seconds"], 1),
            "parse_workers": detail.get("parse_workers"),
            "rows_by_columns": detail.get("rows_by_columns"),
            "direct_load": detail.get("direct_load"),
            "phases": detail.get("phases"),
            "summary": summary,
            "database_size_mib": round(database.query("SELECT pg_database_size(current_database())")[0][0] / 2**20),
            "machine": machine_use([sample[:2] for sample in imported["busy_samples"]], rows),
            "by_statement": core_seconds_by_statement(imported["busy_samples"]),
        }
        print(f"  import_voters: {summary}")
        print(
            f"    {rows / imported['seconds']:,.0f} rows/s (target >= {TARGET_IMPORT_ROWS_PER_SECOND:,}), "
            f"peak RSS {imported['max_rss_kib'] / 1024:,.0f} MiB (with its {detail.get('parse_workers')} parsing "
            f"processes {imported['tree_peak_rss_kib'] / 1024:,.0f} MiB), "
            f"{detail.get('rows_by_columns') or 0:,} rows read by columns, "
            f"database {result['import']['database_size_mib']:,} MiB; phases (s) {detail.get('phases')}"
        )
        print(f"    machine: {_machine_line(result['import']['machine'], 'row')}")
        for label, spent in result["import"]["by_statement"].items():
            print(f"      {label}: {spent['seconds']:,.1f} s, {spent['core_seconds']:,.1f} busy core-seconds")

        # In-process, batched.
        batch_a = out / f"throughput-signatures-{size}-A.csv"
        made = _json_line(
            run(
                [
                    sys.executable,
                    "-m",
                    "bench.throughput_work",
                    "signatures",
                    str(batch_a),
                    "--count",
                    str(signatures),
                    "--seed",
                    "1",
                    "--batch",
                    "A",
                    "--part",
                    "0",
                ],
                queued_env,
            ).stdout
        )
        manage("import_signatures", str(batch_a), "--petition", "calexit", env=queued_env)
        claim.flush()  # the queued validations: this process does them instead
        result["load_average_before_loop"] = os.getloadavg()[0]
        loop_env = child_env(database.url)  # no broker: nothing is sent anywhere
        looped = _json_line(
            run([sys.executable, "-m", "bench.throughput_work", "validate", "--petition", "calexit"], loop_env).stdout
        )
        result["in_process"] = {"signatures": made, **looped}
        print(
            f"  in-process signatures_validate, batches of {looped['batch_size']}: {looped['validated']:,} in "
            f"{looped['seconds']:.1f} s = {looped['per_second']:,.0f}/s ({looped['ms_per_signature']} ms each; "
            f"process CPU {looped['process_cpu_seconds']} s; "
            f"batch p50 {looped['ms_p50']} ms, p95 {looped['ms_p95']} ms) "
            f"{looped['outcomes']}; decisions {looped['decisions']}"
        )

        # In-process, one at a time.
        batch_c = out / f"throughput-signatures-{size}-C.csv"
        made = _json_line(
            run(
                [
                    sys.executable,
                    "-m",
                    "bench.throughput_work",
                    "signatures",
                    str(batch_c),
                    "--count",
                    str(max(1, signatures // 5)),
                    "--seed",
                    "3",
                    "--batch",
                    "C",
                    "--part",
                    "2",
                ],
                queued_env,
            ).stdout
        )
        manage("import_signatures", str(batch_c), "--petition", "calexit", env=queued_env)
        claim.flush()
        single = _json_line(
            run(
                [
                    sys.executable,
                    "-m",
                    "bench.throughput_work",
                    "validate",
                    "--petition",
                    "calexit",
                    "--batch-size",
                    "1",
                ],
                loop_env,
            ).stdout
        )
        result["in_process_one_at_a_time"] = {"signatures": made, **single}
        print(
            f"  in-process signature_validate, one at a time: {single['validated']:,} in {single['seconds']:.1f} s = "
            f"{single['per_second']:,.0f}/s (p50 {single['ms_p50']} ms, p95 {single['ms_p95']} ms, "
            f"{single['statements_per_signature']} SQL statements per signature; decisions {single['decisions']})"
        )

        # One Celery worker process.
        batch_b = out / f"throughput-signatures-{size}-B.csv"
        made = _json_line(
            run(
                [
                    sys.executable,
                    "-m",
                    "bench.throughput_work",
                    "signatures",
                    str(batch_b),
                    "--count",
                    str(signatures),
                    "--seed",
                    "2",
                    "--batch",
                    "B",
                    "--part",
                    "1",
                ],
                queued_env,
            ).stdout
        )
        manage("import_signatures", str(batch_b), "--petition", "calexit", env=queued_env)
        claim.flush()  # validate_signatures sends them again, to the worker
        worker.start()
        result["load_average_before_celery"] = os.getloadavg()[0]
        busy = [(time.monotonic(), machine_busy())]
        command = manage("validate_signatures", "--petition", "calexit", "--timeout", "3600", env=queued_env)
        busy.append((time.monotonic(), machine_busy()))
        worker.stop()  # its log is complete once it has exited
        tasks = worker_tasks(worker.log_path)
        validated = sum(task["validated"] for task in tasks)
        span = (
            (max(t["succeeded"] for t in tasks) - min(t["received"] for t in tasks)).total_seconds() if tasks else 0.0
        )
        in_tasks = sum(task["seconds"] for task in tasks)
        decided = database.query(
            "SELECT count(*) FROM petitions_signature s JOIN petitions_petitionsection p ON p.id = s.section_id "
            "WHERE p.number LIKE 'B-%%' AND s.status <> 'pending'"
        )[0][0]
        if decided != validated:  # a task that failed or retried: the log's count would not be the work done
            raise RuntimeError(
                f"the worker's log counts {validated:,} validated, the database {decided:,}; see {worker.log_path}"
            )
        result["celery_one_process"] = {
            "signatures": made,
            "tasks": len(tasks),
            "validated": validated,
            "worker_wall_seconds": round(span, 3),
            "task_seconds": round(in_tasks, 3),
            "per_second": round(validated / span, 1) if span else None,
            "per_second_in_tasks": round(validated / in_tasks, 1) if in_tasks else None,
            "command_seconds": round(command.seconds, 1),
            "per_second_by_command": round(validated / command.seconds, 1),
            "summary": command.stdout.strip(),
            "machine": machine_use(busy, validated),
        }
        print(
            f"  Celery worker --concurrency 1: {validated:,} validated by {len(tasks)} tasks in {span:.2f} s from the "
            f"first task received to the last done = {result['celery_one_process']['per_second'] or 0:,.0f}/s "
            f"({in_tasks:.2f} s inside the tasks = {result['celery_one_process']['per_second_in_tasks'] or 0:,.0f}/s); "
            f"the command took {command.seconds:.1f} s ({command.stdout.strip()})"
        )
        print(f"    machine, over the command: {_machine_line(result['celery_one_process']['machine'], 'signature')}")
        if moonshot:
            try:
                result["moonshot"] = run_moonshot(
                    moonshot, size=size, out=out, env=queued_env, claim=claim, db=database
                )
            except Exception as exc:  # noqa: BLE001 - the size's figures above are kept
                result["moonshot"] = {"error": repr(exc)[-2000:]}
                print(f"  moonshot failed: {exc!r}"[:2000])
    finally:
        worker.stop()
        database.drop()
        claim.release()
    return result


def run_moonshot(count: int, *, size: int, out: Path, env: dict[str, str], claim, db) -> dict:
    """`count` signatures, end to end: import_signatures while a two-process worker validates, until none is
    pending."""
    batch_m = out / f"throughput-signatures-{size}-M{count}.csv"
    made_started = time.monotonic()
    made = _json_line(
        run(
            [
                sys.executable,
                "-m",
                "bench.throughput_work",
                "signatures",
                str(batch_m),
                "--count",
                str(count),
                "--seed",
                "4",
                "--batch",
                "M",
                "--part",
                "0",
            ],
            env,
        ).stdout
    )
    print(f"  moonshot: {made['signatures']:,} signatures written in {time.monotonic() - made_started:.0f} s (untimed)")
    claim.flush()
    worker = Worker(env, log_path=out / f"throughput-worker-{size}-moonshot.log", node="bench-moonshot", concurrency=2)
    pending_sql = "SELECT count(*) FROM petitions_signature WHERE status = 'pending'"
    try:
        worker.start()
        started = time.monotonic()
        busy = [(started, machine_busy())]
        imported = manage("import_signatures", str(batch_m), "--petition", "calexit", env=env)
        imported_seconds = time.monotonic() - started
        busy.append((time.monotonic(), machine_busy()))
        print(f"    import_signatures: {imported_seconds:.0f} s ({imported.stdout.strip()})", flush=True)
        pending = db.query(pending_sql)[0][0]
        last_report = time.monotonic()
        while pending and time.monotonic() - started < 4 * MOONSHOT_SECONDS:
            time.sleep(2)
            pending = db.query(pending_sql)[0][0]
            if time.monotonic() - last_report >= 60:
                print(f"    {time.monotonic() - started:.0f} s: {pending:,} pending", flush=True)
                last_report = time.monotonic()
        seconds = time.monotonic() - started
        busy.append((time.monotonic(), machine_busy()))
    finally:
        worker.stop()
    outcomes = dict(
        db.query(
            "SELECT s.status, count(*) FROM petitions_signature s JOIN petitions_petitionsection p "
            "ON p.id = s.section_id WHERE p.number LIKE 'M-%%' GROUP BY s.status ORDER BY 1"
        )
    )
    decided = sum(n for status, n in outcomes.items() if status != "pending")
    result = {
        "signatures": made,
        "worker_concurrency": 2,
        "import_signatures_seconds": round(imported_seconds, 1),
        "seconds": round(seconds, 1),
        "decided": decided,
        "still_pending": pending,
        "per_second": round(decided / seconds, 1),
        "outcomes": outcomes,
        "met": not pending and seconds < MOONSHOT_SECONDS,
        "machine": machine_use([busy[0], busy[-1]], decided),
        "machine_import_signatures": machine_use(busy[:2], made["signatures"]),
    }
    print(
        f"  moonshot: {decided:,} of {made['signatures']:,} signatures decided in {seconds:.0f} s end to end "
        f"({decided / seconds:,.0f}/s; import_signatures {imported_seconds:.0f} s), {pending:,} still pending; "
        f"target < {MOONSHOT_SECONDS} s: {'MET' if result['met'] else 'missed'}; {outcomes}"
    )
    print(f"    machine, end to end: {_machine_line(result['machine'], 'signature')}")
    print(f"    machine, import_signatures: {_machine_line(result['machine_import_signatures'], 'signature')}")
    return result


def table(results: list[dict]) -> str:
    lines = [
        f"{'voters':>10}  {'import s':>8}  {'rows/s':>8}  {'peak RSS':>9}  {'with workers':>12}  "
        f"{'batched sig/s':>13}  {'ms/sig':>6}  "
        f"{'CPU ms/sig':>10}  {'one-by-one sig/s':>16}  {'celery sig/s':>12}  target >= {TARGET_PER_SECOND:,}/s",
    ]
    for r in results:
        loop, single, celery, imp = r["in_process"], r["in_process_one_at_a_time"], r["celery_one_process"], r["import"]
        worker = celery["per_second"] or 0  # the target is a worker process's: the Celery figure decides
        lines.append(
            f"{r['voters']:>10,}  {imp['seconds']:>8,.0f}  {imp['rows_per_second']:>8,}  "
            f"{imp['peak_rss_mib']:>6,} MiB  {imp.get('tree_peak_rss_mib', 0):>8,} MiB  "
            f"{loop['per_second'] or 0:>13,.0f}  {loop['ms_per_signature']:>6}  "
            f"{1000 * loop['process_cpu_seconds'] / max(loop['validated'], 1):>10.3f}  "
            f"{single['per_second'] or 0:>16,.0f}  {celery['per_second'] or 0:>12,.0f}  "
            f"{'PASS' if worker >= TARGET_PER_SECOND else 'FAIL'}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Voter import and validation throughput.")
    parser.add_argument(
        "--sizes",
        default=os.environ.get("SIZES") or "1000000,5000000,22600000",
        help="comma-separated voter file sizes (default $SIZES, else 1000000,5000000,22600000)",
    )
    parser.add_argument("--signatures", type=int, default=5000, help="signatures per validation measurement")
    parser.add_argument("--plain", action="store_true", help="uncompressed voter files (default: .tsv.gz)")
    parser.add_argument(
        "--moonshot",
        type=int,
        default=int(os.environ.get("MOONSHOT") or 0),
        help="at the last size, this many signatures end to end with a 2-process worker (default $MOONSHOT, else 0)",
    )
    parser.add_argument(
        "--database", default=DATABASE_NAME, help=f"scratch database name, calexit_bench_* (default {DATABASE_NAME})"
    )
    args = parser.parse_args(argv)
    exit_cleanly_on_sigterm()
    # bench.scratch.Worker reads the queues from petitions.queue, which needs Django's apps. The children
    # get their own settings (child_env: DEBUG off, a secret key of their own).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calexit.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    out = ROOT / "bench-out"
    out.mkdir(exist_ok=True)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    started = datetime.now(UTC)
    about = machine()
    code = code_state()
    print(f"Throughput benchmark, {started:%Y-%m-%d %H:%M} UTC, sizes {', '.join(f'{s:,}' for s in sizes)}")
    print("Machine: " + ", ".join(f"{k} {v}" for k, v in about.items()))
    print("Code: " + ", ".join(f"{k} {v}" for k, v in code.items()))
    path = out / f"throughput-{started:%Y%m%dT%H%M%SZ}.json"
    results: list[dict] = []
    for size in sizes:
        results.append(
            measure(
                size,
                signatures=args.signatures,
                plain=args.plain,
                out=out,
                redis_url=redis_url,
                database_name=args.database,
                moonshot=args.moonshot if size == sizes[-1] else 0,
            )
        )
        report = {
            "benchmark": "throughput",
            "date": started.isoformat(timespec="seconds"),
            "machine": about,
            "code": code,
            "load_average_after": os.getloadavg(),
            "results": results,
        }
        path.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print()
    print(table(results))
    print(f"\nWrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
