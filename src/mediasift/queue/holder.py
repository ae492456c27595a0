"""Who holds a lease: enough about a process to prove later, from another one, that it is gone.

A holder is ``host|boot id|pid namespace|pid|start time`` (Linux ``/proc``: the kernel's boot id,
the pid namespace's inode, the process's start in clock ticks since boot). A pid alone proves
nothing: pids are recycled, and two containers on one kernel each have their own pid 7. With the
rest, a holder is provably gone when it ran

- under this kernel's boot and in this pid namespace, and no process has its pid now, or the one
  that has it started at another time (the pid was recycled); or
- under an earlier boot of this host, when the caller knows every holder ran on this host (a
  SQLite catalog in WAL mode cannot be shared between hosts).

Where ``/proc`` is missing (not Linux) the parts are empty and nothing is ever proved gone: such a
lease simply runs out.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_SEPARATOR = "|"  # no hostname contains it


@dataclass(frozen=True, slots=True)
class Holder:
    host: str
    boot_id: str
    pid_namespace: str
    pid: int
    start_ticks: str

    def __str__(self) -> str:
        parts = (self.host, self.boot_id, self.pid_namespace, str(self.pid), self.start_ticks)
        return _SEPARATOR.join(parts)

    @classmethod
    def parse(cls, text: str) -> Holder | None:
        parts = text.split(_SEPARATOR)
        if len(parts) != 5 or not parts[3].isdigit():
            return None
        host, boot_id, namespace, pid, start = parts
        return cls(host, boot_id, namespace, int(pid), start)

    @property
    def checkable(self) -> bool:
        return bool(self.boot_id and self.pid_namespace and self.start_ticks)


def this_process() -> Holder:
    """This process as a lease holder (computed once per pid: a forked child is another holder)."""
    return _holder_of(os.getpid())


@cache
def _holder_of(pid: int) -> Holder:
    return Holder(
        host=socket.gethostname()[:64].replace(_SEPARATOR, "_"),
        boot_id=_read("/proc/sys/kernel/random/boot_id"),
        pid_namespace=_readlink("/proc/self/ns/pid"),
        pid=pid,
        start_ticks=_start_ticks(pid),
    )


def provably_gone(text: str | None, *, single_host: bool) -> bool:
    """True only when the process recorded as ``text`` cannot be running any more.

    ``single_host``: every holder ran on this host, so a holder from another boot is gone.
    """
    holder = Holder.parse(text or "")
    me = this_process()
    if holder is None or not holder.checkable or not me.checkable:
        return False
    if holder.boot_id != me.boot_id:
        return single_host and holder.host == me.host
    if holder.pid_namespace != me.pid_namespace or holder == me:
        return False
    state, start_ticks = _stat(holder.pid)  # ("", "") when no process has that pid
    return start_ticks != holder.start_ticks or state == "Z"  # a zombie runs no code


def _start_ticks(pid: int) -> str:
    return _stat(pid)[1]


def _stat(pid: int) -> tuple[str, str]:
    """A process's state letter and start time (fields 3 and 22 of proc(5)), or empty strings."""
    stat = _read(f"/proc/{pid}/stat")
    # The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    fields = stat[stat.rfind(")") + 2 :].split()
    return (fields[0], fields[19]) if len(fields) > 19 else ("", "")


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


def _readlink(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return ""
