"""The clock runs periodic work on time and survives a failing job."""

import pytest

from jobs.clock import SCHEDULE, Periodic, start_clock, tick


@pytest.mark.django_db
def test_jobs_run_when_due_and_a_failure_does_not_stop_the_others(caplog):
    runs: list[str] = []

    def broken() -> None:
        raise RuntimeError("boom")

    schedule = (Periodic(every=2, run=lambda: runs.append("every 2")), Periodic(every=1, run=broken))
    for second in (1.0, 2.0, 3.0, 4.0):
        tick(schedule, second, 1.0)

    assert runs == ["every 2", "every 2"]
    assert caplog.text.count("Periodic job broken failed") == 4


@pytest.mark.django_db(transaction=True)
def test_the_clock_thread_runs_the_schedule():
    import threading

    ran = threading.Event()
    stop = start_clock((Periodic(every=0.05, run=ran.set),), step=0.05)
    try:
        assert ran.wait(timeout=2)
    finally:
        stop.set()


def test_the_schedule_wakes_snoozed_conversations_and_sweeps_presence():
    assert {job.run.__name__ for job in SCHEDULE} == {
        "wake_snoozed_conversations",
        "sweep_presence",
        "poll_mailboxes",
        "beat",
        "requeue_abandoned",
        "send_daily_digests",
    }
