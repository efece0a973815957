"""What a report records about where it ran: the commit and the machine."""

import os
import platform
import subprocess
from pathlib import Path

from bench.report import MachineInfo

UNCOMMITTED = "uncommitted"


def current_commit(repo_root: Path) -> str:
    """Return ``git rev-parse --short HEAD`` in ``repo_root``, or ``"uncommitted"``.

    ``"uncommitted"`` covers a repository without commits, a folder outside git and a machine
    without git.
    """
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=repo_root,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return UNCOMMITTED
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and commit else UNCOMMITTED


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _cpu_model(cpuinfo: str) -> str:
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and value.strip():
            return value.strip()
    return platform.processor() or platform.machine() or "unknown CPU"


def _memory_total_gib(meminfo: str) -> float | None:
    for line in meminfo.splitlines():
        if line.startswith("MemTotal:"):
            fields = line.split()
            if len(fields) >= 2 and fields[1].isdigit():
                return int(fields[1]) / (1024 * 1024)  # /proc/meminfo counts kB
    return None


def describe_machine(proc: Path = Path("/proc")) -> MachineInfo:
    """Describe this machine: CPU count and model, total memory, Python and platform.

    Args:
        proc: Where to read ``cpuinfo`` and ``meminfo`` (Linux); other systems get fallbacks.
    """
    return MachineInfo(
        cpu_count=os.cpu_count(),
        cpu_model=_cpu_model(_read_text(proc / "cpuinfo")),
        memory_total_gib=_memory_total_gib(_read_text(proc / "meminfo")),
        python=platform.python_version(),
        platform=platform.platform(),
    )
