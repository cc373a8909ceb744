"""The sandbox's child process: it dies with its parent, has no network, caps its own memory and CPU, reads files and answers with plain page data (``python -m docproc.sandbox_child``)."""

from __future__ import annotations

import logging
import os
import resource
import socket
import sys
import time
from multiprocessing.connection import Connection
from typing import Any

from docproc.sandbox_answers import after_memory_error, page_pixels, plain_pages, plain_value

log = logging.getLogger("docproc.sandbox")


def _die_with_parent() -> None:
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def _own_network_namespace() -> bool:
    """Move into a new user + network namespace (no interface but a loopback that is down):
    no C library in the child can reach any network. Best effort: kernels that refuse
    unprivileged namespaces leave the child on the Python-level guard below and ``close_fds``."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.unshare(0x10000000 | 0x40000000) == 0)  # CLONE_NEWUSER | CLONE_NEWNET
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return False


def _no_network() -> None:

    def refused(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError("réseau interdit dans le bac à sable")

    socket.socket = refused  # type: ignore[assignment,misc]
    socket.create_connection = refused
    socket.getaddrinfo = refused
    socket.socketpair = refused


def _cap_memory(mb: int) -> None:
    limit = mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _cap_cpu(seconds: int) -> None:
    """Allow ``seconds`` more CPU time from now (RLIMIT_CPU counts the process's whole life)."""
    import math

    usage = resource.getrusage(resource.RUSAGE_SELF)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = math.ceil(usage.ru_utime + usage.ru_stime) + seconds
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _read_answer(outcome: tuple[Any, ...], events: list[tuple[str, float, int]]) -> tuple[Any, ...]:
    if outcome[0] == "ok":  # the pixels stay here: the caller needs words and codes
        return (
            "ok",
            int(outcome[1]),
            plain_pages(outcome[2]),
            page_pixels(outcome[2]),
            list(events),
        )
    return ("err", str(outcome[1]), str(outcome[2]), plain_value(outcome[3]))


def child_main(argv: list[str]) -> int:
    read_fd, write_fd, memory_mb = int(argv[0]), int(argv[1]), int(argv[2])
    warm = len(argv) < 4 or argv[3] == "warm"
    _own_network_namespace()  # first: it needs a process with a single thread
    _die_with_parent()
    os.dup2(2, 1)  # a library's prints go to stderr, never into the protocol
    recv = Connection(read_fd, writable=False)
    send = Connection(write_fd, readable=False)
    _no_network()
    from docproc.text import acquire, render  # the heavy stack, imported once

    if warm:
        acquire.warm_up()
    else:
        acquire.load_pdf_stack()  # before the cap; OCR is loaded by the first scan
    _cap_memory(memory_mb)
    from docproc.observe import add_observer

    events: list[tuple[str, float, int]] = []
    add_observer(
        lambda event, seconds, count: events.append((str(event), float(seconds), int(count)))
    )
    send.send(("ready",))
    while True:
        try:
            message = recv.recv()
        except (EOFError, OSError):
            return 0  # the parent is gone or closed the pipe
        if not message or message[0] not in ("read", "render"):
            return 2
        if message[0] == "render":
            _, data, media_type, number, dpi, settings, env = message
            name = "page"
        else:
            _, data, name, media_type, settings, env = message
        for key in [k for k in os.environ if k.startswith("DOCPROC_")]:
            if key not in env:
                del os.environ[key]
        os.environ.update(env)
        _cap_cpu(settings.sandbox_cpu_s)
        events.clear()
        started = time.process_time()
        if message[0] == "render":
            outcome = render.render_outcome(data, media_type, number, dpi, settings)
            if outcome[0] == "err":
                outcome = ("err", str(outcome[1]), str(outcome[2]), plain_value(outcome[3]))
        else:
            outcome = _read_answer(
                acquire.read_content_outcome(data, name, media_type, settings), events
            )
        try:
            send.send(outcome)
        except (BrokenPipeError, OSError):
            return 0
        log.debug("%s %s in %.2f s CPU", message[0], name, time.process_time() - started)
        if after_memory_error(outcome):
            return 0  # after a MemoryError: a fresh process for the next file


if __name__ == "__main__":
    raise SystemExit(child_main(sys.argv[1:]))
