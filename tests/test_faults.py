"""Faults, each on real processes (tests/faults.py): Redis, a worker, SMTP or PostgreSQL fails while
people sign, and not one signature is lost or counted twice.

The timeouts below only end a hung test: every wait is for a condition.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from tests.faults import Signers, Stack, confirm, private_root, remove_root, sign, stack_down, stack_up, wait_until

pytestmark = pytest.mark.services


@pytest.fixture(scope="module")
def stack(django_db_setup):
    root = private_root()
    stack = stack_up(root)
    try:
        yield stack
    finally:
        stack_down(stack)
        remove_root(root)


@pytest.fixture(autouse=True)
def _healthy_after(stack):
    """Whatever a test broke is mended before the next one."""
    yield
    stack.smtp.mode = "accept"
    if not stack.postgres.answers():
        stack.postgres.start()
    if not stack.redis.answers():
        stack.redis.start()
    for process in stack.processes.values():
        process.held = False
    stack.wait_for_workers()


def rows_by_email(stack: Stack, prefix: str) -> Counter[str]:
    return Counter(
        email for (email,) in stack.postgres.execute("SELECT email FROM petitions_signature WHERE email LIKE %s",
                                                     (f"{prefix}-%",))
    )  # fmt: skip


def assert_one_row_per_accepted_signer(stack: Stack, accepted: list[str], prefix: str) -> None:
    rows = rows_by_email(stack, prefix)
    assert sorted(rows) == sorted(accepted), "every signer the site accepted (302) has a row, nobody else"
    assert set(rows.values()) == {1}, "no signer has two rows"


def one_email_each(stack: Stack, addresses: list[str]) -> bool:
    return all(len(stack.smtp.to(address)) == 1 for address in addresses)


def wait_one_email_each(stack: Stack, addresses: list[str], *, timeout: float, what: str) -> None:
    """Wait for one email per signer; a failure names the signers with none or with more than one."""
    try:
        wait_until(lambda: one_email_each(stack, addresses), timeout=timeout, what=what)
    except AssertionError as error:
        wrong = {address: len(stack.smtp.to(address)) for address in addresses if len(stack.smtp.to(address)) != 1}
        raise AssertionError(f"{error}; emails per signer where not one: {wrong}") from None


def assert_counts_match_the_rows(stack: Stack) -> None:
    """The recount finds no drift: the tallies say what the rows say, nothing counted twice."""
    before = stack.postgres.execute("SELECT count(*) FROM petitions_countingrun WHERE kind = 'recount'")[0][0]
    stack.run_task("recount_signatures")
    (drift,) = stack.postgres.execute(
        "SELECT drift FROM petitions_countingrun WHERE kind = 'recount' ORDER BY finished_at DESC LIMIT 1"
    )[0]
    after = stack.postgres.execute("SELECT count(*) FROM petitions_countingrun WHERE kind = 'recount'")[0][0]
    assert after == before + 1
    assert drift == []


def test_redis_stopped_while_signing_every_signer_is_answered_saved_emailed_and_validated(stack):
    before = sign_and_confirm_first(stack, "redis-before", 6)

    with Signers(stack.base, "redis-down") as during:
        wait_until(lambda: len(during.accepted()) >= 4, timeout=60, what="signatures accepted before the fault")
        stack.redis.stop()
        accepted_before_stop = len(during.accepted())
        # The first signers confirm while Redis is down: their validation cannot be queued.
        confirmed = [confirm(stack.base, stack.smtp.to(address)[0]) for address in before]
        wait_until(lambda: len(during.accepted()) >= accepted_before_stop + 12, timeout=120,
                   what="signatures accepted with Redis down")  # fmt: skip
    assert confirmed == [302] * len(before)
    assert during.statuses() == {302}, f"every POST answered 302, not {during.statuses()}"
    accepted = during.accepted()
    assert_one_row_per_accepted_signer(stack, accepted, "redis-down")

    stack.redis.start()
    # The sweep sends the emails the broker never got, and validates what it never queued.
    wait_one_email_each(stack, accepted, timeout=120, what="one confirmation email per signer")
    wait_until(lambda: decided(stack, before), timeout=120, what="the signers who confirmed, validated")
    for address in accepted:
        assert confirm(stack.base, stack.smtp.to(address)[0]) == 302
    wait_until(lambda: decided(stack, accepted), timeout=120, what="every signer validated")
    assert one_email_each(stack, accepted)
    assert_counts_match_the_rows(stack)


def sign_and_confirm_first(stack: Stack, prefix: str, how_many: int) -> list[str]:
    """Signers who have their confirmation email (not yet used)."""
    addresses = []
    for number in range(how_many):
        address, status, _ = sign(stack.base, number, prefix)
        assert status == 302
        addresses.append(address)
    wait_one_email_each(stack, addresses, timeout=60, what="the confirmation emails")
    return addresses


def decided(stack: Stack, addresses: list[str]) -> bool:
    statuses = dict(
        stack.postgres.execute("SELECT email, status FROM petitions_signature WHERE email = ANY(%s)", (addresses,))
    )
    return len(statuses) == len(addresses) and not {"unconfirmed", "pending"} & set(statuses.values())


def test_a_worker_killed_in_the_middle_of_a_validation_batch_the_batch_is_redone_once(stack):
    addresses = sign_and_confirm_first(stack, "killed-batch", 8)
    stack.kill("worker", hold=True)  # the validations queue up while the worker is down
    for address in addresses:
        assert confirm(stack.base, stack.smtp.to(address)[0]) == 302
    holder = stack.postgres.connect()
    try:
        with holder.cursor() as cursor:
            # The batch's outcomes are written with their tally changes in one transaction: hold
            # the tally table so that the worker stops inside it.
            cursor.execute("LOCK TABLE petitions_tallychange IN ACCESS EXCLUSIVE MODE")
            stack.release("worker")
            wait_until(lambda: worker_waits_on_tally_lock(stack), timeout=60,
                       what="the validation worker blocked inside its batch")  # fmt: skip
            stack.kill("worker")
    finally:
        holder.rollback()
        holder.close()
    assert stack.postgres.execute(
        "SELECT count(*) FROM petitions_signature WHERE email = ANY(%s) AND status = 'pending'", (addresses,)
    )[0][0] == len(addresses), "the killed batch wrote nothing"

    # The supervisor starts the worker again (compose: restart); the sweep re-queues the batch.
    wait_until(lambda: decided(stack, addresses), timeout=120, what="the batch validated again")
    assert_counts_match_the_rows(stack)
    rows = stack.postgres.execute(
        "SELECT count(*), count(validated_at) FROM petitions_signature WHERE email = ANY(%s)", (addresses,)
    )[0]
    assert rows == (len(addresses), len(addresses))


def worker_waits_on_tally_lock(stack: Stack) -> bool:
    return bool(
        stack.postgres.execute(
            "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE %s",
            ("%petitions_tallychange%",),
        )
    )


def test_a_worker_killed_in_the_middle_of_an_email_the_email_is_sent_exactly_once(stack):
    stack.smtp.mode = "stall"
    address, status, _ = sign(stack.base, 1, "killed-email")
    assert status == 302
    wait_until(lambda: stack.smtp.stalled == 1, timeout=60, what="the confirmation email in the middle of its send")
    stack.kill("worker-email")
    wait_until(lambda: stack.smtp.stalled == 0, timeout=30, what="the killed send's connection to close")
    assert stack.smtp.to(address) == []
    stack.smtp.mode = "accept"

    # The lease expires; the restarted email worker's sweep sends it.
    wait_until(lambda: stack.smtp.to(address), timeout=120, what="the email sent after the lease expired")
    (sent_at, attempts) = stack.postgres.execute(
        "SELECT confirmation_sent_at, confirmation_attempts FROM petitions_signature WHERE email = %s", (address,)
    )[0]
    assert sent_at is not None
    assert attempts == 2  # the killed send and the one that went out
    assert len(stack.smtp.to(address)) == 1


def test_postgresql_gone_between_the_smtp_servers_yes_and_its_record_the_email_goes_once(stack):
    stack.smtp.mode = "stall"
    address, status, _ = sign(stack.base, 1, "pg-after-send")
    assert status == 302
    wait_until(lambda: stack.smtp.stalled == 1, timeout=60, what="the confirmation email in the middle of its send")
    stack.postgres.stop()
    stack.smtp.mode = "accept"  # the server takes the email while the database is down
    wait_until(lambda: stack.smtp.to(address), timeout=60, what="the email delivered")
    wait_until(lambda: any("recording it waits for the database" in line for line in stack.log_lines("worker-email")),
               timeout=60, what="the email worker waiting to record the send")  # fmt: skip
    stack.postgres.start()

    sent = ("SELECT confirmation_sent_at, confirmation_retry_at, confirmation_attempts"
            " FROM petitions_signature WHERE email = %s")  # fmt: skip
    wait_until(lambda: stack.postgres.execute(sent, (address,))[0][0], timeout=60, what="the send recorded")
    (_, retry_at, attempts) = stack.postgres.execute(sent, (address,))[0]
    assert retry_at is None
    assert attempts == 1, "the lease was never taken again, so the email was never sent again"
    assert len(stack.smtp.to(address)) == 1


def test_smtp_failing_for_a_while_sends_back_off_without_a_pile_up_and_each_signer_gets_one_email(stack):
    stack.smtp.mode = "refuse"
    refused_before = stack.smtp.refused
    addresses = []
    for number in range(20):
        address, status, _ = sign(stack.base, number, "smtp-down")
        assert status == 302
        addresses.append(address)
    # Every first send fails, then the sweep tries the due ones: one failure ends a sweep.
    wait_until(lambda: stack.smtp.refused >= refused_before + len(addresses) + 5, timeout=120,
               what="the sends and the sweep's retries refused")  # fmt: skip
    queued = stack.redis.client().llen("email")
    assert queued <= 2, f"{queued} email messages queued during the outage: retries must not pile up"
    attempts = [row[0] for row in stack.postgres.execute(
        "SELECT confirmation_attempts FROM petitions_signature WHERE email = ANY(%s)", (addresses,))]  # fmt: skip
    assert min(attempts) >= 1
    # Back-off: the refusals are spread over the signers, not one signer hammered.
    assert max(attempts) <= 4

    stack.smtp.mode = "accept"
    wait_one_email_each(stack, addresses, timeout=120, what="one email per signer after recovery")
    unsent = stack.postgres.execute(
        "SELECT count(*) FROM petitions_signature WHERE email = ANY(%s) AND confirmation_sent_at IS NULL",
        (addresses,),
    )[0][0]
    assert unsent == 0
    assert one_email_each(stack, addresses)


def test_postgresql_restarted_under_load_brief_503s_no_500_nothing_lost_workers_reconnect(stack):
    with Signers(stack.base, "pg-restart") as signers:
        wait_until(lambda: len(signers.accepted()) >= 6, timeout=60, what="signatures accepted before the restart")
        stack.postgres.stop()
        wait_until(lambda: signers.count(503) >= 3, timeout=60, what="503 answers while PostgreSQL is down")
        stack.postgres.start()
        accepted_at_restart = len(signers.accepted())
        wait_until(lambda: len(signers.accepted()) >= accepted_at_restart + 8, timeout=120,
                   what="signatures accepted after the restart")  # fmt: skip
    assert signers.statuses() <= {302, 503}, f"only 302 and 503 answers, not {signers.statuses()}"
    friendly = [body for _, status, body in signers.answers if status == 503]
    assert all("Please try again in a moment" in body and "Traceback" not in body for body in friendly)
    accepted = signers.accepted()
    assert_one_row_per_accepted_signer(stack, accepted, "pg-restart")
    # The workers reconnect by themselves: every signer accepted gets their email.
    wait_one_email_each(stack, accepted, timeout=120, what="a confirmation email per signer")


def test_two_counting_runs_at_once_and_a_tally_corrupted_by_hand_the_recount_repairs_it(stack):
    addresses = sign_and_confirm_first(stack, "recount", 4)
    for address in addresses:
        assert confirm(stack.base, stack.smtp.to(address)[0]) == 302
    wait_until(lambda: decided(stack, addresses), timeout=60, what="the signers validated")

    # One counting run by the counting worker, one by an operator's shell, at the same time.
    outcomes: list[object] = []
    by_worker = threading.Thread(target=lambda: outcomes.append(stack.run_task("count_signatures")))
    by_worker.start()
    shell = stack.manage("shell", "-c", "from petitions.services.tallies import tallies_count; print(tallies_count())")
    by_worker.join()
    assert outcomes and shell.returncode == 0, shell.stderr
    assert_counts_match_the_rows(stack)

    stack.postgres.execute(
        "UPDATE petitions_tally SET count = count + 7 WHERE id = (SELECT id FROM petitions_tally ORDER BY id LIMIT 1)"
    )
    before = stack.postgres.execute("SELECT count(*) FROM petitions_countingrun WHERE kind = 'recount'")[0][0]
    stack.run_task("recount_signatures")
    (drift,) = stack.postgres.execute(
        "SELECT drift FROM petitions_countingrun WHERE kind = 'recount' ORDER BY finished_at DESC LIMIT 1"
    )[0]
    assert (
        stack.postgres.execute("SELECT count(*) FROM petitions_countingrun WHERE kind = 'recount'")[0][0] == before + 1
    )
    assert drift, "the recount records the drift it repaired"
    assert_counts_match_the_rows(stack)  # a second recount finds nothing left to repair
