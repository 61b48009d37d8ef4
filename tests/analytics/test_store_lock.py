"""The store lock: one writer at a time across threads and processes, re-entrant within a thread (an
import holds it over its CRM transaction while the writer it calls takes it again)."""

from __future__ import annotations

import threading
import time

from powerkam.analytics.io.writer import store_lock


def test_the_lock_is_reentrant_in_one_thread(tmp_path) -> None:
    with store_lock(tmp_path), store_lock(tmp_path):
        pass  # would deadlock on a second flock of the same file


def test_another_thread_waits_until_the_outer_hold_ends(tmp_path) -> None:
    order: list[str] = []
    entered = threading.Event()

    def other() -> None:
        entered.set()
        with store_lock(tmp_path):
            order.append("other")

    with store_lock(tmp_path):
        with store_lock(tmp_path):
            thread = threading.Thread(target=other)
            thread.start()
            entered.wait()
            time.sleep(0.2)
        order.append("inner released")  # the inner exit must not release the lock
        time.sleep(0.2)
        order.append("outer")
    thread.join(5)
    assert order == ["inner released", "outer", "other"]
