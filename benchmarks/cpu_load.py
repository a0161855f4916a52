"""How busy other processes keep this shared machine's cores, from /proc, so that every
benchmark figure can say whether it was taken on a quiet machine.

`busy_share` samples all cores while this process sleeps; `wait_for_quiet` waits (bounded) for
a quiet spell; `OtherLoad` measures a section's CPU used by anyone but this process, its reaped
children and the servers it launched. Linux only. It measures nothing of medquote itself.
"""

from __future__ import annotations

import time
from pathlib import Path


def _cpu_jiffies() -> tuple[int, int]:
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


def busy_share(seconds: float = 2.0) -> float:
    """Share of all cores busy over `seconds` while this process sleeps: other people's load."""
    b0, t0 = _cpu_jiffies()
    time.sleep(seconds)
    b1, t1 = _cpu_jiffies()
    return round((b1 - b0) / max(1, t1 - t0), 3)


def wait_for_quiet(max_wait: float, threshold: float = 0.15) -> dict:
    """This machine is shared: wait (bounded) until other processes leave the cores mostly idle,
    and report what was seen, so a figure taken under load is marked as such."""
    start, seen = time.monotonic(), []
    while True:
        seen.append(busy_share())
        if seen[-1] <= threshold or time.monotonic() - start >= max_wait:
            break
    return {"waited_s": round(time.monotonic() - start, 1), "busy_share_at_start": seen[-1],
            "loadavg": Path("/proc/loadavg").read_text().split()[:3]}


def _proc_jiffies(pid: int | str, children: bool = False) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    # after the name: state is fields[0], so utime/stime/cutime/cstime are fields[11:15]
    return sum(int(v) for v in fields[11:15 if children else 13])


class OtherLoad:
    """CPU used during a section by processes other than this one, its reaped children and
    `pids` (the servers it launched), as a share of all cores. 0 means the figures are ours alone."""

    def __init__(self, pids: tuple[int, ...] = ()):
        self.pids = pids
        self._start = self._sample()

    def _sample(self) -> tuple[int, int, int]:
        busy, total = _cpu_jiffies()
        return busy, total, _proc_jiffies("self", children=True) + sum(_proc_jiffies(p) for p in self.pids)

    def share(self) -> float:
        b1, t1, o1 = self._sample()
        b0, t0, o0 = self._start
        return round(max(0.0, ((b1 - b0) - (o1 - o0)) / max(1, t1 - t0)), 3)
