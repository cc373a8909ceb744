"""Starting the sandbox's child: a fresh interpreter (``python -m docproc.sandbox_child``) on
two pipes, forked from a thread that lives as long as this process.

This module is light on purpose (no pickle, no ``multiprocessing``, no page classes): a
one-shot ``docproc extract`` calls :func:`start_early` before it imports anything heavy, so
the child's own start — the longest part of a cold run — begins as soon as the command line
is parsed; a worker calls it at start with ``warm`` (OCR models loaded before the first job).
The process's :class:`docproc.sandbox.Sandbox` then adopts that child (:func:`take_early`)
instead of starting another one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any, NamedTuple

from docproc.sandbox_env import child_environment


class Child(NamedTuple):
    """A started child: the process, the descriptor the caller writes requests to and the
    one it reads answers from, and what it was started with."""

    proc: subprocess.Popen[bytes]
    request_fd: int
    answer_fd: int
    memory_mb: int
    warm: bool


_SPAWNER: tuple[int, Any] | None = None  # (pid, queue of (work, future)) of the spawner thread
_SPAWNER_LOCK = threading.Lock()
_EARLY: tuple[int, Child] | None = None  # (pid of the caller, child started early)


def _spawner_loop(jobs: Any) -> None:
    while True:
        work, future = jobs.get()
        try:
            future.set_result(work())
        except BaseException as exc:  # handed to the caller
            future.set_exception(exc)


def _popen(args: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """``subprocess.Popen`` from a thread that lives as long as this process.

    The child's ``PR_SET_PDEATHSIG`` fires when the *thread* that forked it ends, not the
    process: a sandbox started from a short-lived thread (the API renders page images in a
    thread pool whose idle threads exit) would be killed with that thread."""
    global _SPAWNER
    if threading.current_thread() is threading.main_thread():
        return subprocess.Popen(args, **kwargs)
    import queue
    from concurrent.futures import Future

    with _SPAWNER_LOCK:
        if _SPAWNER is None or _SPAWNER[0] != os.getpid():
            jobs: queue.Queue[tuple[Callable[[], Any], Future[Any]]] = queue.Queue()
            threading.Thread(
                target=_spawner_loop, args=(jobs,), name="docproc-sandbox-spawner", daemon=True
            ).start()
            _SPAWNER = (os.getpid(), jobs)
        jobs = _SPAWNER[1]
    future: Future[subprocess.Popen[bytes]] = Future()
    jobs.put((lambda: subprocess.Popen(args, **kwargs), future))
    return future.result()


def spawn(memory_mb: int, warm: bool) -> Child:
    """Start a child (returns at once: it imports its reading stack, then says "ready")."""
    req_r, req_w = os.pipe()
    res_r, res_w = os.pipe()
    try:
        proc = _popen(
            [
                sys.executable,
                "-m",
                "docproc.sandbox_child",
                str(req_r),
                str(res_w),
                str(memory_mb),
                "warm" if warm else "light",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            pass_fds=(req_r, res_w),
            env=child_environment(),
            start_new_session=False,
        )
    except BaseException:
        os.close(req_w)
        os.close(res_r)
        raise
    finally:
        os.close(req_r)
        os.close(res_w)
    return Child(proc, req_w, res_r, memory_mb, warm)


def start_early(warm: bool = False) -> None:
    """Start this process's child now, before the caller imports the rest of the pipeline
    (``docproc extract``); nothing happens when the settings turn the sandbox off or a child
    is already waiting. Settings that cannot be read start nothing: the run reports them."""
    global _EARLY
    from docproc.settings import get_settings

    try:
        settings = get_settings()
    except Exception:  # reported with its French message when the pipeline reads them
        return
    if not settings.sandbox or (_EARLY is not None and _EARLY[0] == os.getpid()):
        return
    _EARLY = (os.getpid(), spawn(settings.sandbox_memory_mb, warm))


def take_early(memory_mb: int) -> Child | None:
    """The child :func:`start_early` started in this process, if it is still alive and has the
    memory cap asked for (otherwise it is stopped and ``None`` returned)."""
    global _EARLY
    early, _EARLY = _EARLY, None
    if early is None or early[0] != os.getpid():
        return None
    child = early[1]
    if child.memory_mb == memory_mb and child.proc.poll() is None:
        return child
    for fd in (child.request_fd, child.answer_fd):
        os.close(fd)
    if child.proc.poll() is None:
        child.proc.kill()
    child.proc.wait()
    return None
