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
"""

from __future__ import annotations

import atexit
import contextlib
import io
import logging
import os
import pickle
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from multiprocessing.connection import Connection
from typing import Any

from docproc.errors import DocprocError, Reason
from docproc.models import Check, PageText, Segment
from docproc.settings import Settings

log = logging.getLogger(__name__)


#: Seconds allowed for the child to import its modules and answer "ready".
START_TIMEOUT_S = 120.0


#: Environment variables never given to the child (besides the patterns below).
SECRET_NAMES = frozenset(
    {
        "DATABASE_URL",
        "REDIS_URL",
        "DOCPROC_API_KEYS",
        "DOCPROC_API_KEYS_FILE",
        "DOCPROC_STORAGE_KEY",
        "DOCPROC_SETTINGS_FILE",
        "PGPASSWORD",
        "PGPASSFILE",
        "SSH_AUTH_SOCK",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    }
)


_SECRET_PATTERN = re.compile(r"KEY|SECRET|TOKEN|PASSW|CREDENTIAL|_URL$|_DSN$", re.I)


def child_environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """The parent's environment without its secrets, plus the child's own tuning."""
    source = dict(os.environ if env is None else env)
    out = {
        k: v for k, v in source.items() if k not in SECRET_NAMES and not _SECRET_PATTERN.search(k)
    }
    out.setdefault("MALLOC_ARENA_MAX", "2")  # threads' malloc arenas would eat the address space
    out.setdefault("OPENBLAS_NUM_THREADS", "1")
    out.setdefault("OMP_THREAD_LIMIT", "1")
    out["PYTHONDONTWRITEBYTECODE"] = "1"
    return out


def _library_env() -> dict[str, str]:
    """The ``DOCPROC_*`` values the child must follow for this request (settings may change)."""
    return {
        k: v
        for k, v in os.environ.items()
        if k.startswith("DOCPROC_") and k not in SECRET_NAMES and not _SECRET_PATTERN.search(k)
    }


_SPAWNER: tuple[int, queue.Queue[tuple[Callable[[], Any], Future[Any]]]] | None = None
_SPAWNER_LOCK = threading.Lock()


def _spawner_loop(jobs: queue.Queue[tuple[Callable[[], Any], Future[Any]]]) -> None:
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


def caller_nice() -> int:
    """The calling thread's nice level (Linux: a thread's own; 0 where unknown)."""
    try:
        return os.getpriority(os.PRIO_PROCESS, 0)
    except OSError:
        return 0


def renice_process(pid: int, nice: int) -> bool:
    """Set every thread of process ``pid`` to ``nice``; whether all of them took it."""
    try:
        tids = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except (OSError, ValueError):
        tids = [pid]
    ok = True
    for tid in tids:
        try:
            os.setpriority(os.PRIO_PROCESS, tid, nice)
        except ProcessLookupError:
            continue  # a thread that just ended
        except OSError:
            ok = False
    return ok


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
                msg = safe_loads(self._recv.recv_bytes(1024))
            except (EOFError, OSError, pickle.UnpicklingError, ValueError):
                self._stop()
                raise SandboxFailure("arrêt au démarrage") from None
            if msg != ("ready",):
                self._stop()
                raise SandboxFailure("démarrage")
            self._ready = True

    def _spawn(self, settings: Settings) -> None:
        req_r, req_w = os.pipe()
        res_r, res_w = os.pipe()
        try:
            self._proc = _popen(
                [
                    sys.executable,
                    "-m",
                    "docproc.sandbox_child",
                    str(req_r),
                    str(res_w),
                    str(settings.sandbox_memory_mb),
                    "warm" if self.warm else "light",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                close_fds=True,
                pass_fds=(req_r, res_w),
                env=child_environment(),
                start_new_session=False,
            )
        finally:
            os.close(req_r)
            os.close(res_w)
        self._send = Connection(req_w, readable=False)
        self._recv = Connection(res_r, writable=False)
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
                    ("read", data, name, media_type, settings, _library_env()), settings
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
        return _unpack(outcome)

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
                    ("render", data, media_type, int(number), int(dpi), settings, _library_env()),
                    settings,
                    _render_well_formed,
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
            raw = self._recv.recv_bytes(MAX_ANSWER_BYTES)
        except (EOFError, OSError):
            code = None
            if self._proc is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    code = self._proc.wait(timeout=5)
            self._stop()
            raise SandboxFailure(_death(code)) from None
        try:
            outcome = safe_loads(raw)
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
        if not (well_formed or _well_formed)(outcome):
            self._stop()
            raise SandboxFailure("réponse refusée (forme)")
        if after_memory_error(outcome):
            self._stop()  # after a MemoryError its heap is not worth keeping
        return outcome


#: Largest answer accepted from the child (the words of ten pages take a few megabytes).
MAX_ANSWER_BYTES = 64 * 1024 * 1024


#: The only classes an answer may hold: what comes back is data, never code. A compromised
#: child could otherwise send a pickle that runs code in the caller, secrets and all.
_ANSWER_CLASSES = {
    ("docproc.models", "PageText"),
    ("docproc.models", "Segment"),
    ("docproc.models", "Check"),
}


class _AnswerUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ANSWER_CLASSES:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"classe refusée : {module}.{name}")


def safe_loads(raw: bytes) -> Any:
    """Unpickle an answer of the child, allowing builtins and the page classes only."""
    return _AnswerUnpickler(io.BytesIO(raw)).load()


def _well_formed(outcome: Any) -> bool:
    if not isinstance(outcome, tuple) or not outcome:
        return False
    if outcome[0] == "ok":
        return (
            len(outcome) == 5
            and isinstance(outcome[1], int)
            and isinstance(outcome[2], list)
            and all(isinstance(p, PageText) for p in outcome[2])
            and isinstance(outcome[3], list)
            and len(outcome[3]) == len(outcome[2])
            and all(_pixels_ok(px) for px in outcome[3])
            and isinstance(outcome[4], list)
            and all(_event_ok(e) for e in outcome[4])
        )
    if outcome[0] == "err":
        return (
            len(outcome) == 4
            and outcome[1] in {r.value for r in Reason}
            and isinstance(outcome[2], str)
            and isinstance(outcome[3], dict)
        )
    return False


def _render_well_formed(outcome: Any) -> bool:
    """A render answer: pixels of a known mode whose size matches, no page, or a reason."""
    from docproc.models import MODES, RENDER_MAX_PIXELS

    if not isinstance(outcome, tuple) or not outcome:
        return False
    if outcome[0] == "px":
        return (
            len(outcome) == 5
            and all(type(v) is int for v in outcome[1:3])
            and outcome[3] in MODES
            and type(outcome[4]) is bytes
            and 0 < outcome[1] * outcome[2] <= RENDER_MAX_PIXELS
            and len(outcome[4]) == outcome[1] * outcome[2] * MODES[outcome[3]]
        )
    if outcome[0] == "absent":
        return len(outcome) == 1
    return outcome[0] == "err" and _well_formed(outcome)


def plain_value(value: Any) -> Any:
    """Builtins only (numpy scalars and the like become int, float or str)."""
    if value is None or isinstance(value, bool):
        return None if value is None else bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)  # np.float64 is a float subclass: made a plain float
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_value(v) for v in value]
    item = getattr(value, "item", None)
    if callable(item):
        return plain_value(item())
    return str(value)


def plain_pages(pages: list[PageText]) -> list[PageText]:
    """Pages with builtin values only (what :func:`safe_loads` lets through); no pixels."""
    out = []
    for p in pages:
        out.append(
            PageText(
                file=str(p.file),
                page=int(p.page),
                source="ocr" if p.source == "ocr" else "text",
                segments=[
                    Segment(
                        str(s.text),
                        float(s.x0),
                        float(s.y0),
                        float(s.x1),
                        float(s.y1),
                        float(s.conf),
                    )
                    for s in p.segments
                ],
                quality={str(k): float(v) for k, v in p.quality.items()},
                checks=[
                    Check(str(c.code), c.level, bool(c.ok), str(c.message), plain_value(c.data))
                    for c in p.checks
                ],
                image=None,
                twoddoc=None if p.twoddoc is None else str(p.twoddoc),
                twoddoc_box=None if p.twoddoc_box is None else _box(p.twoddoc_box),
            )
        )
    return out


def _box(box: Any) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in box)
    return x0, y0, x1, y1


def page_pixels(pages: list[PageText]) -> list[tuple[int, int, bytes] | None]:
    """The greyscale pixels of each page as OCR read it (width, height, bytes): the words'
    boxes refer to them (QA draws them); only pixels cross, never an encoded image."""
    out: list[tuple[int, int, bytes] | None] = []
    for p in pages:
        img = p.image
        if img is None:
            out.append(None)
            continue
        grey = img if img.mode == "L" else img.convert("L")
        out.append((int(grey.width), int(grey.height), grey.tobytes()))
    return out


def _event_ok(event: Any) -> bool:
    return (
        isinstance(event, tuple)
        and len(event) == 3
        and isinstance(event[0], str)
        and len(event[0]) < 64
        and isinstance(event[1], float)
        and isinstance(event[2], int)
    )


def _pixels_ok(px: Any) -> bool:
    return px is None or (
        isinstance(px, tuple)
        and len(px) == 3
        and isinstance(px[0], int)
        and isinstance(px[1], int)
        and isinstance(px[2], bytes)
        and 0 < px[0] * px[1] == len(px[2])
    )


def after_memory_error(outcome: Any) -> bool:
    return bool(
        outcome[0] == "err"
        and outcome[1] == Reason.resources.value
        and outcome[3].get("limite") == "memoire"
    )


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


def _unpack(outcome: Any) -> tuple[int, list[PageText]]:
    if outcome[0] == "ok":
        from docproc.observe import observe

        for event, seconds, count in outcome[4]:  # timings measured in the child (OCR per page)
            observe(event, seconds, count)
        pages: list[PageText] = outcome[2]
        for page, px in zip(pages, outcome[3], strict=True):
            if px is not None:  # a scanned page: PIL is already needed (a text PDF never is here)
                from PIL import Image

                page.image = Image.frombytes("L", (px[0], px[1]), px[2])
        return outcome[1], pages
    _, reason, message, data = outcome
    raise DocprocError(Reason(reason), message, **data)


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


def prestart(settings: Settings | None = None, warm: bool = True) -> None:
    """Start the child early, so it imports its modules while the caller imports its own.

    A worker calls it at start (``warm``: OCR models loaded before the first job); the CLI
    with ``warm=False`` (a text PDF never pays for loading Tesseract)."""
    from docproc.settings import get_settings

    settings = settings or get_settings()
    if settings.sandbox:
        get_sandbox().start(settings, warm=warm)
