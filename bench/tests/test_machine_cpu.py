"""The throughput benchmark's account of the whole machine's CPU: /proc/stat read right, and the busy
core-seconds shared out among an import's phases."""

import os

import pytest

from bench.throughput import busy_core_seconds, machine_busy, machine_use, phase_core_seconds

TICK = os.sysconf("SC_CLK_TCK")


def test_busy_counts_user_nice_system_irq_and_softirq_but_not_idle_iowait_or_steal():
    #          user nice system idle iowait irq softirq steal guest guest_nice
    line = f"cpu  {10 * TICK} {TICK} {3 * TICK} 9999 777 {TICK} {2 * TICK} 555 0 0"
    assert busy_core_seconds(line) == 17


def test_a_line_that_is_not_the_total_is_refused():
    with pytest.raises(ValueError, match="total line"):
        busy_core_seconds("cpu0 1 2 3 4 5 6 7 8")


def test_this_machine_reports_busy_time_that_grows():
    before = machine_busy()
    sum(range(3_000_000))  # a few tens of milliseconds of CPU
    assert machine_busy() > before >= 0


def test_the_phases_end_at_the_last_sample_and_take_the_busy_time_of_their_window():
    # 2 cores: 1 core busy for the first 10 s (starting up, then reading), both for the next 10 s.
    samples = [(100.0, 0.0), (110.0, 10.0), (120.0, 30.0)]
    phases = {"read": 8.0, "indexes": 10.0}  # the 2 s before them are the command starting
    assert phase_core_seconds(samples, phases) == {"read": 8.0, "indexes": 20.0}


def test_a_phase_between_samples_is_prorated():
    samples = [(0.0, 0.0), (4.0, 8.0)]
    assert phase_core_seconds(samples, {"one": 1.0, "two": 3.0}) == {"one": 2.0, "two": 6.0}


def test_machine_use_gives_the_cpu_per_thing_and_the_best_rate_every_core_allows():
    use = machine_use([(0.0, 100.0), (10.0, 115.0)], 3_000)
    assert use["core_seconds"] == 15.0
    assert use["cores_busy"] == 1.5
    assert use["ms_each"] == 5.0
    assert use["per_second_at_most"] == round(use["cores"] * 3_000 / 15)
