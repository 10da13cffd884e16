"""The throughput benchmark's account of the whole machine's CPU: /proc/stat read right, and the busy
core-seconds shared out among the statements an import runs."""

import os

import pytest

from bench.scratch import statement_label
from bench.throughput import NO_STATEMENT, busy_core_seconds, core_seconds_by_statement, machine_busy, machine_use

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


def test_each_interval_goes_to_the_statement_running_at_its_start_in_the_order_they_first_ran():
    samples = [
        (0.0, 0.0, ""),  # Python starting, parsing
        (1.0, 1.0, "COPY"),
        (2.0, 2.5, ""),
        (3.0, 3.5, "COPY"),
        (4.0, 5.5, "CREATE INDEX voter_address_key"),
        (6.0, 9.5, "CREATE INDEX voter_zip_house_key"),
        (7.0, 11.5, ""),  # the last sample: nothing after it
    ]
    assert core_seconds_by_statement(samples) == {
        NO_STATEMENT: {"seconds": 2.0, "core_seconds": 2.0},
        "COPY": {"seconds": 2.0, "core_seconds": 3.5},
        "CREATE INDEX voter_address_key": {"seconds": 2.0, "core_seconds": 4.0},
        "CREATE INDEX voter_zip_house_key": {"seconds": 1.0, "core_seconds": 2.0},
    }


@pytest.mark.parametrize(
    ("query", "label"),
    [
        (
            "CREATE INDEX voter_address_key ON public.petitions_voter USING btree (county_id)",
            "CREATE INDEX voter_address_key",
        ),
        ("create unique index x_rid on t (registrant_id)", "CREATE INDEX x_rid"),
        (
            'ALTER TABLE petitions_voter ADD CONSTRAINT "petitions_voter_county_id_fk" FOREIGN KEY (county_id)',
            "ADD CONSTRAINT petitions_voter_county_id_fk",
        ),
        ("COPY petitions_voter (id, registrant_id) FROM STDIN", "COPY"),
        ("  analyze petitions_voter", "ANALYZE"),
        ("", ""),
        (None, ""),
    ],
)
def test_a_statement_is_named_in_a_few_words(query, label):
    assert statement_label(query) == label


def test_machine_use_gives_the_cpu_per_thing_and_the_best_rate_every_core_allows():
    use = machine_use([(0.0, 100.0), (10.0, 115.0)], 3_000)
    assert use["core_seconds"] == 15.0
    assert use["cores_busy"] == 1.5
    assert use["ms_each"] == 5.0
    assert use["per_second_at_most"] == round(use["cores"] * 3_000 / 15)
