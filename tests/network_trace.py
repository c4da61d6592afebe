"""Watching a whole process tree's network use with strace, native libraries included.

The kernel sees every connection and datagram, whoever makes it: Python, onnxruntime's C++,
llama.cpp, a DNS lookup inside the C library. ``strace -f`` records each ``connect``,
``sendto``, ``sendmsg`` and ``sendmmsg`` of the process and all its threads and children;
``outbound`` keeps the ones that leave the machine or look a name up.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

#: The system calls that start talking to another machine.
TRACED_CALLS = "connect,sendto,sendmsg,sendmmsg"

_FAMILY = re.compile(r"sa_family=(AF_[A-Z0-9]+)")
_PORT = re.compile(r"sin6?_port=htons\((\d+)\)")
_ADDRESS = re.compile(r'inet_(?:addr|pton)\((?:AF_INET6, )?"([^"]+)"\)')
_UNIX_PATH = re.compile(r'sun_path=@?"([^"]*)"')
#: Unix sockets that answer name lookups (nscd, systemd-resolved).
_RESOLVER_SOCKETS = ("nscd", "resolve")
_LOOPBACK = ("127.0.0.1", "::1", "::ffff:127.0.0.1")


def strace_command(log: Path) -> list[str]:
    """The strace prefix that writes every traced call of a process tree to ``log``.

    Raises:
        pytest.fail / pytest.skip: strace is missing or may not trace here: a failure when
            running as root (CI, where ``make system-deps`` installs it), a skip otherwise.
    """
    strace = shutil.which("strace")
    reason = None
    if strace is None:
        reason = "strace is not installed (make system-deps, or apt-get install strace)"
    else:
        probe = subprocess.run(
            [strace, "-f", "-qq", "-o", os.devnull, "true"], capture_output=True, timeout=60
        )
        if probe.returncode != 0:
            reason = f"strace cannot trace here: {probe.stderr.decode(errors='replace')[:200]}"
    if reason is not None:
        if os.geteuid() == 0:
            pytest.fail(f"the network check must run as root: {reason}")
        pytest.skip(reason)
    assert strace is not None
    return [
        strace,
        "-f",  # every thread and child process
        "-qq",
        "--seccomp-bpf",  # stop only at the traced calls: the app runs at near full speed
        "-e",
        "signal=none",
        "-e",
        f"trace={TRACED_CALLS}",
        "-o",
        str(log),
    ]


def outbound(log: Path, own_ports: tuple[int, ...] = ()) -> list[str]:
    """The traced calls that reach another machine or look a name up.

    Everything is flagged except Unix sockets (other than a name resolver's), calls without
    an address (on a socket whose ``connect`` was seen already), and connections to this
    machine's loopback on ``own_ports`` (the app checking its own server).

    Args:
        log: strace's output.
        own_ports: The ports the traced program itself listens on.

    Returns:
        The offending lines of the trace, as strace wrote them.
    """
    flagged = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        family = _FAMILY.search(line)
        if family is None:
            continue
        if family.group(1) == "AF_UNIX":
            path = _UNIX_PATH.search(line)
            if path and any(name in path.group(1) for name in _RESOLVER_SOCKETS):
                flagged.append(line)
            continue
        address, port = _ADDRESS.search(line), _PORT.search(line)
        if (
            address is not None
            and port is not None
            and address.group(1) in _LOOPBACK
            and int(port.group(1)) in own_ports
        ):
            continue
        flagged.append(line)
    return flagged
