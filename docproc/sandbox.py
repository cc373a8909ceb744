"""Every uploaded file is read in a sandbox: a long-lived child process, capped and replaceable.

The cut is "bytes in → pages out": decoding, parsing (pikepdf), rendering (PDFium), text
extraction, OCR (Tesseract) and the 2D-Doc search of one file run in the child
(:func:`docproc.text.acquire.read_content`); the caller gets picklable ``PageText`` objects
or a reason. The child

* is started once and reused across files (Tesseract and PDFium stay warm: no fork per file
  or page), and started again, lazily, after it dies;
* runs under an address-space cap (``RLIMIT_AS``, ``sandbox_memory_mb``) and, for each file,
  a CPU-time cap (``RLIMIT_CPU`` raised to the time already used plus ``sandbox_cpu_s``);
  the caller waits at most ``sandbox_timeout_s`` for a file, then kills the child;
* inherits no socket nor any other descriptor (``close_fds``), gets an environment without
  the parent's secrets (API keys, storage key, database and Redis URLs, anything named
  KEY, SECRET, TOKEN or PASSWORD), runs in a network namespace of its own where the kernel
  allows it (no interface: nothing can connect anywhere) and has ``socket`` disabled in its
  Python;
* dies with its parent (``PR_SET_PDEATHSIG``, and it stops when its request pipe closes).

A child that dies or overruns gives that file ``fichier.ressources`` (one warning line on the
log, i.e. on the CLI's stderr); the caller and the rest of the dossier carry on.

Protocol: ``multiprocessing.connection.Connection`` objects (length-prefixed pickles) over two
pipes passed to ``python -m docproc.sandbox READ_FD WRITE_FD``; the child's own stdout is sent
to its stderr so that nothing printed by a library can corrupt a message.
What the child runs with (environment, CPU priority) is in :mod:`docproc.sandbox_env`; what
crosses the pipe, and the checks on it, in :mod:`docproc.sandbox_answers`.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import pickle
import subprocess
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from docproc import sandbox_answers as answers
from docproc.errors import DocprocError, Reason
from docproc.models import PageText
from docproc.sandbox_answers import render_well_formed
from docproc.sandbox_env import caller_nice, library_env, renice_process
from docproc.sandbox_spawn import spawn, take_early
from docproc.settings import Settings

log = logging.getLogger(__name__)


#: Seconds allowed for the child to import its modules and answer "ready".
START_TIMEOUT_S = 120.0


class SandboxFailure(Exception):
    """The child died or overran; ``detail`` says how (for logs and ``data``)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Sandbox:
    """One child process reading files one at a time (thread-safe: requests are serialised)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._send: Connection | None = None
        self._recv: Connection | None = None
        self._owner = os.getpid()
        self._ready = False
        self._memory_mb = 0
        self._nice: int | None = None  # the child's nice level, None: not known (just started)
        self.restarts = 0
        self.files = 0
        self.warm = True

    # -- life cycle ---------------------------------------------------------------------
    def start(self, settings: Settings, warm: bool = True) -> None:
        """Start the child if it is not running (returns at once; it imports meanwhile).

        ``warm``: load the OCR models too before the first file (a worker); a one-shot run
        (the CLI) leaves them to the first scan."""
        with self._lock:
            self.warm = warm
            self._ensure(settings, wait=False)

    def _ensure(self, settings: Settings, wait: bool) -> None:
        if self._owner != os.getpid():  # forked: the pipes belong to the parent's child
            self._proc = self._send = self._recv = None
            self._ready = False
            self._owner = os.getpid()
        if self._proc is not None and (
            self._proc.poll() is not None or self._memory_mb != settings.sandbox_memory_mb
        ):
            self._stop()
        if self._proc is None:
            self._spawn(settings)
        if wait and not self._ready:
            assert self._recv is not None
            if not self._recv.poll(START_TIMEOUT_S):
                self._stop()
                raise SandboxFailure("démarrage trop long")
            try:
                msg = answers.safe_loads(self._recv.recv_bytes(1024))
            except (EOFError, OSError, pickle.UnpicklingError, ValueError):
                self._stop()
                raise SandboxFailure("arrêt au démarrage") from None
            if msg != ("ready",):
                self._stop()
                raise SandboxFailure("démarrage")
            self._ready = True

    def _spawn(self, settings: Settings) -> None:
        early = take_early(settings.sandbox_memory_mb)
        if early is not None:
            self.warm = early.warm  # restarted as it was started (a worker's warm, the CLI's light)
        child = early or spawn(settings.sandbox_memory_mb, self.warm)
        self._proc = child.proc
        self._send = Connection(child.request_fd, readable=False)
        self._recv = Connection(child.answer_fd, writable=False)
        self._memory_mb = settings.sandbox_memory_mb
        self._ready = False
        self._nice = None

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        for conn in (self._send, self._recv):
            if conn is not None:
                with contextlib.suppress(OSError):
                    conn.close()
        self._send = self._recv = None
        self._ready = False
        if proc is not None and proc.poll() is None:
            proc.kill()
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)

    def close(self) -> None:
        """Stop the child (it also stops by itself when this process ends)."""
        with self._lock:
            if self._owner == os.getpid():
                self._stop()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    # -- one file -----------------------------------------------------------------------
    def read(
        self, data: bytes, name: str, media_type: str, settings: Settings
    ) -> tuple[int, list[PageText]]:
        """Read one file in the child; DocprocError for a rejection (``fichier.ressources``
        when the child died or overran)."""
        with self._lock:
            try:
                outcome = self._request(
                    ("read", data, name, media_type, settings, library_env()), settings
                )
            except BaseException as exc:
                if not isinstance(exc, SandboxFailure):
                    # interrupted while the child works (the worker's job timeout, Ctrl-C): its
                    # answer would arrive for the next file, so it goes
                    self._stop()
                    raise
                failure = exc
                self.restarts += 1
                # no file name here: a service's log must not hold personal data (the CLI,
                # whose user named the file, says which one)
                log.warning(
                    "Lecture d'un fichier interrompue dans le bac à sable (%s) ; fichier refusé "
                    "(fichier.ressources), le traitement continue.",
                    failure.detail,
                )
                raise DocprocError(Reason.resources, cause=failure.detail) from None
            finally:
                self.files += 1
        return answers.unpack(outcome)

    def render(
        self, data: bytes, media_type: str, number: int, dpi: int, settings: Settings
    ) -> tuple[int, int, str, bytes] | None:
        """Page ``number`` (1-based) of a file as pixels ``(width, height, mode, bytes)``, mode
        ``L`` or ``RGB``, rendered in the child with the reading guards and caps; ``None`` when
        the file has no such page. DocprocError for a rejection (``fichier.ressources`` when
        the child died or overran: ``data["cause"]`` says how)."""
        with self._lock:
            try:
                outcome = self._request(
                    ("render", data, media_type, int(number), int(dpi), settings, library_env()),
                    settings,
                    render_well_formed,
                )
            except BaseException as exc:
                if not isinstance(exc, SandboxFailure):
                    self._stop()
                    raise
                self.restarts += 1
                log.warning(
                    "Rendu d'une page interrompu dans le bac à sable (%s) ; page refusée "
                    "(fichier.ressources), le service continue.",
                    exc.detail,
                )
                raise DocprocError(Reason.resources, cause=exc.detail) from None
        if outcome[0] == "px":
            return int(outcome[1]), int(outcome[2]), str(outcome[3]), bytes(outcome[4])
        if outcome[0] == "absent":
            return None
        _, reason, message, info = outcome
        raise DocprocError(Reason(reason), message, **info)

    def _follow_priority(self) -> None:
        """Give the child the CPU priority of the calling thread: a worker's batch job runs
        niced (``DOCPROC_BATCH_NICE``), and so must the reading and OCR it asks of the child,
        or a batch re-extraction would still take the cores from an upload being read by
        another worker. Every thread of the child is set (OpenCV keeps a pool of its own);
        threads it starts later inherit it. Lowering the level back needs the right to
        (``LimitNICE=+0``, which a worker checks before it nices anything): where it is
        missing, the child keeps the level it has, and is told again at the next request."""
        assert self._proc is not None
        wanted = caller_nice()
        if wanted == self._nice:
            return
        self._nice = wanted if renice_process(self._proc.pid, wanted) else None

    def _request(
        self,
        message: tuple[Any, ...],
        settings: Settings,
        well_formed: Callable[[Any], bool] | None = None,
    ) -> Any:
        for attempt in (1, 2):
            self._ensure(settings, wait=True)
            self._follow_priority()
            assert self._send is not None and self._recv is not None
            try:
                self._send.send(message)
                break
            except (BrokenPipeError, OSError):
                self._stop()  # it was dead before the request: one fresh start, then give up
                if attempt == 2:
                    raise SandboxFailure("arrêt inattendu") from None
        assert self._recv is not None
        if not self._recv.poll(settings.sandbox_timeout_s):
            self._stop()
            raise SandboxFailure(f"durée dépassée ({settings.sandbox_timeout_s:g} s)")
        try:
            raw = self._recv.recv_bytes(answers.MAX_ANSWER_BYTES)
        except (EOFError, OSError):
            code = None
            if self._proc is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    code = self._proc.wait(timeout=5)
            self._stop()
            raise SandboxFailure(_death(code)) from None
        try:
            outcome = answers.safe_loads(raw)
        except (
            pickle.UnpicklingError,
            ValueError,
            TypeError,
            EOFError,
            AttributeError,
            IndexError,
            KeyError,
            MemoryError,
            RecursionError,
        ) as exc:
            self._stop()  # not an answer the reader would give: the child is not trusted
            raise SandboxFailure(f"réponse refusée ({type(exc).__name__})") from None
        if not (well_formed or answers.well_formed)(outcome):
            self._stop()
            raise SandboxFailure("réponse refusée (forme)")
        if answers.after_memory_error(outcome):
            self._stop()  # after a MemoryError its heap is not worth keeping
        return outcome


def _death(code: int | None) -> str:
    import signal

    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        if name == "SIGXCPU":
            return "temps de calcul dépassé"
        if name in ("SIGKILL", "SIGSEGV", "SIGABRT", "SIGBUS"):
            return f"processus arrêté ({name}, mémoire probablement dépassée)"
        return f"processus arrêté ({name})"
    return f"processus arrêté (code {code})"


_SANDBOX: Sandbox | None = None


_GLOBAL_LOCK = threading.Lock()


def get_sandbox() -> Sandbox:
    """The process's sandbox (a new one in a forked child)."""
    global _SANDBOX
    with _GLOBAL_LOCK:
        if _SANDBOX is None:
            _SANDBOX = Sandbox()
            atexit.register(_SANDBOX.close)
        return _SANDBOX
