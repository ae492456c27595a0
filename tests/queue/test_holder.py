"""Lease holders: a process recorded with a lease is proved gone only when it cannot be running."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time

import pytest

from mediasift.queue.holder import Holder, provably_gone, this_process

pytestmark = pytest.mark.skipif(not this_process().checkable, reason="needs Linux /proc")


def _child() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


def _holder_of(proc: subprocess.Popen[bytes]) -> Holder:
    """The holder a child would record: this process's host, boot and namespace, its pid and start."""
    from mediasift.queue.holder import _start_ticks

    return dataclasses.replace(this_process(), pid=proc.pid, start_ticks=_start_ticks(proc.pid))


def test_a_holder_reads_back_as_written():
    me = this_process()
    assert Holder.parse(str(me)) == me
    assert me.pid == os.getpid() and me.start_ticks.isdigit()


@pytest.mark.parametrize("text", [None, "", "legacy-token", "a|b|c|not-a-pid|e"])
def test_what_cannot_be_read_is_never_proved_gone(text):
    assert not provably_gone(text, single_host=True)


def test_a_running_process_is_not_gone_and_a_killed_one_is():
    child = _child()
    holder = str(_holder_of(child))
    try:
        assert not provably_gone(holder, single_host=True)
        assert not provably_gone(str(this_process()), single_host=True)
        os.kill(child.pid, signal.SIGKILL)
        # Killed but not yet reaped by its parent, it is a zombie: it runs no code any more.
        deadline = time.monotonic() + 5
        while not provably_gone(holder, single_host=False):
            assert time.monotonic() < deadline, "a killed, unreaped child was never proved gone"
            time.sleep(0.01)
    finally:
        child.kill()
        child.wait()
    assert provably_gone(holder, single_host=False)  # reaped: no process has the pid


def test_a_recycled_pid_is_told_apart_by_its_start_time():
    child = _child()
    try:
        holder = _holder_of(child)
        earlier = dataclasses.replace(holder, start_ticks=str(int(holder.start_ticks) - 1))
        assert provably_gone(str(earlier), single_host=False)
    finally:
        child.kill()
        child.wait()


def test_another_boot_is_gone_only_where_every_holder_is_on_this_host():
    earlier_boot = dataclasses.replace(this_process(), boot_id="00000000-0000-0000-0000-000000000000")
    assert provably_gone(str(earlier_boot), single_host=True)
    assert not provably_gone(str(earlier_boot), single_host=False)
    other_host = dataclasses.replace(earlier_boot, host="elsewhere")
    assert not provably_gone(str(other_host), single_host=True)


def test_another_pid_namespace_is_never_proved_gone():
    # Another container on this kernel: its pid 1 is not ours, so /proc here says nothing about it.
    container = dataclasses.replace(this_process(), pid_namespace="pid:[1]", pid=999_999, start_ticks="1")
    assert not provably_gone(str(container), single_host=True)
