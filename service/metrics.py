"""Prometheus metrics: prometheus_client in multiprocess mode, across API processes and workers.

Every process that counts (each API process, each RQ worker) writes its samples to
memory-mapped files of its own in one directory, ``PROMETHEUS_MULTIPROC_DIR``: ``docproc
serve``, ``up`` and ``worker`` set it to ``<data_dir>/metrics`` (unless it is set already)
before any metric exists; ``serve`` and ``up`` empty it at start. ``/metrics`` sums the files
(``MultiProcessCollector``), so every API process answers the same, monotonic counters
(issue 14: per-process counters alternated between scrapes). When a worker ends, its live
gauges are dropped (``mark_process_dead``); its counters stay in the sum.

The gauges that describe the present (queue depth, registered workers, jobs by status, Redis)
are read by the scraping process at scrape time. Labels carry outcomes and reason codes, never
content. Family names never collide (OpenMetrics: the counter ``docproc_jobs_total`` is the
family ``docproc_jobs``, so the database gauge is ``docproc_jobs_current``).

Without ``PROMETHEUS_MULTIPROC_DIR`` (a tool, a test building the app by hand) the metrics
live in the process that counts them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("docproc.metrics")

ENV = "PROMETHEUS_MULTIPROC_DIR"

#: Seconds from a worker's claim to the stored result: text PDFs (tens of ms) to multi-page OCR.
JOB_BUCKETS: tuple[float, ...] = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120)
#: Seconds from the upload's acceptance to the verdict: the above plus queueing and coalescing.
LATENCY_BUCKETS: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600)
#: Seconds a job waits in the queue (enqueued → claimed by a worker).
QUEUE_WAIT_BUCKETS: tuple[float, ...] = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1,
    2.5,
    5,
    10,
    30,
    60,
    120,
    300,
    600,
)
#: Seconds of OCR per page (clean-up + Tesseract); a page is abandoned after 20 s by default.
OCR_PAGE_BUCKETS: tuple[float, ...] = (0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 60)
#: Seconds to accept an upload (expected in milliseconds).
UPLOAD_BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5)

#: name → (type, help): the families /metrics exposes (README, "Métriques").
FAMILIES: dict[str, tuple[str, str]] = {
    "docproc_uploads": (
        "counter",
        "Upload requests answered by the API, by outcome (accepted or error code).",
    ),
    "docproc_upload_seconds": ("histogram", "Time to accept an upload (file stored, job queued)."),
    "docproc_jobs": ("counter", "Jobs ended by the workers, by outcome and reason code."),
    "docproc_job_processing_seconds": (
        "histogram",
        "Time from a worker's claim to the stored result.",
    ),
    "docproc_job_latency_seconds": (
        "histogram",
        "Time from the upload (or re-extraction request) to the verdict.",
    ),
    "docproc_queue_wait_seconds": (
        "histogram",
        "Time a job waited in the queue, from enqueued to started.",
    ),
    "docproc_ocr_page_seconds": (
        "histogram",
        "OCR time per page (wall time of an OCR call / its pages).",
    ),
    "docproc_extract_seconds": ("counter", "Time spent in the extraction pipeline."),
    "docproc_queue_depth": ("gauge", "Jobs waiting in the RQ queue."),
    "docproc_workers": ("gauge", "RQ workers registered on the queue."),
    "docproc_jobs_current": ("gauge", "Jobs currently in the database, by status."),
    "docproc_redis_up": ("gauge", "Whether Redis answered."),
}


def _pid_of(path: Path) -> int | None:
    tail = path.stem.rsplit("_", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def prepare_dir(data_dir: Path, *, wipe: str | None = None) -> Path:
    """Choose ``PROMETHEUS_MULTIPROC_DIR`` for this process and its children, before any metric.

    ``wipe="all"`` (``up``, which owns every process) empties it; ``wipe="stale"`` (``serve``)
    removes the files of processes that no longer run, keeping those of workers started apart
    on the same data directory; ``None`` (``worker``) leaves it as it is. A directory given in
    the environment is shared with processes we did not start: only stale files go."""
    given = os.environ.get(ENV, "").strip()
    path = Path(given) if given else Path(data_dir).resolve() / "metrics"
    if given and wipe == "all":
        wipe = "stale"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if wipe is not None:
        for file in path.glob("*.db"):
            pid = _pid_of(file)
            if wipe == "all" or pid is None or not _alive(pid):
                with contextlib.suppress(FileNotFoundError):
                    file.unlink()
    os.environ[ENV] = str(path)
    return path


def process_ended(pid: int) -> None:
    """A child that counted has exited: drop its live gauges (its counters stay in the sums)."""
    path = os.environ.get(ENV)
    if not path:
        return
    from prometheus_client import multiprocess

    try:
        multiprocess.mark_process_dead(pid, path)
    except OSError as exc:
        log.warning("métriques du processus %d non nettoyées (%s)", pid, type(exc).__name__)


class _Instruments:
    """The metric objects of this process, built on first use (after the directory is chosen)."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Histogram, values

        self.directory = os.environ.get(ENV, "").strip() or None
        if self.directory and not getattr(values.ValueClass, "_multiprocess", False):
            # prometheus_client was imported before the directory was chosen: switch now,
            # before the first metric of this process exists.
            values.ValueClass = values.MultiProcessValue()

        def help_of(name: str) -> str:
            return FAMILIES[name][1]

        # registry=None: in multiprocess mode the samples are read back from the files only.
        self.uploads = Counter(
            "docproc_uploads", help_of("docproc_uploads"), ["outcome"], registry=None
        )
        self.upload_seconds = Histogram(
            "docproc_upload_seconds",
            help_of("docproc_upload_seconds"),
            buckets=UPLOAD_BUCKETS,
            registry=None,
        )
        self.jobs = Counter(
            "docproc_jobs", help_of("docproc_jobs"), ["outcome", "reason"], registry=None
        )
        self.processing = Histogram(
            "docproc_job_processing_seconds",
            help_of("docproc_job_processing_seconds"),
            buckets=JOB_BUCKETS,
            registry=None,
        )
        self.latency = Histogram(
            "docproc_job_latency_seconds",
            help_of("docproc_job_latency_seconds"),
            buckets=LATENCY_BUCKETS,
            registry=None,
        )
        self.queue_wait = Histogram(
            "docproc_queue_wait_seconds",
            help_of("docproc_queue_wait_seconds"),
            buckets=QUEUE_WAIT_BUCKETS,
            registry=None,
        )
        self.ocr_page = Histogram(
            "docproc_ocr_page_seconds",
            help_of("docproc_ocr_page_seconds"),
            buckets=OCR_PAGE_BUCKETS,
            registry=None,
        )
        self.extract = Counter(
            "docproc_extract_seconds", help_of("docproc_extract_seconds"), registry=None
        )

    def collectors(self) -> list[Any]:
        return [
            self.uploads,
            self.upload_seconds,
            self.jobs,
            self.processing,
            self.latency,
            self.queue_wait,
            self.ocr_page,
            self.extract,
        ]


_INSTRUMENTS: _Instruments | None = None
_LOCK = threading.Lock()


def instruments() -> _Instruments:
    global _INSTRUMENTS
    if _INSTRUMENTS is None:
        with _LOCK:
            if _INSTRUMENTS is None:
                _INSTRUMENTS = _Instruments()
    return _INSTRUMENTS


@contextlib.contextmanager
def _never_fails(what: str) -> Iterator[None]:
    """A lost observation, never a failed upload or job."""
    try:
        yield
    except Exception as exc:
        log.warning("métriques non enregistrées (%s : %s)", what, type(exc).__name__)


def record_job(
    outcome: str,
    reason: str | None,
    processing_s: float | None,
    latency_s: float | None,
    extract_s: float | None = None,
) -> None:
    """Count one job outcome and its durations (processing; upload to verdict; pipeline)."""
    with _never_fails("job"):
        m = instruments()
        m.jobs.labels(outcome=outcome, reason=reason or "").inc()
        if processing_s is not None:
            m.processing.observe(max(processing_s, 0.0))
        if latency_s is not None:
            m.latency.observe(max(latency_s, 0.0))
        if extract_s is not None:
            m.extract.inc(max(extract_s, 0.0))


def record_queue_wait(seconds: float) -> None:
    with _never_fails("attente"):
        instruments().queue_wait.observe(max(seconds, 0.0))


def observe_library(event: str, seconds: float, count: int = 1) -> None:
    """The observer a worker registers with ``docproc.observe`` (``ocr.page``: seconds per page)."""
    if event != "ocr.page" or count <= 0:
        return
    with _never_fails("ocr"):
        hist = instruments().ocr_page
        for _ in range(count):
            hist.observe(max(seconds, 0.0))


class UploadMetrics:
    """Upload counters and the acceptance-time histogram (``service.uploads.observe``)."""

    def observe(self, outcome: str, seconds: float) -> None:
        with _never_fails("envoi"):
            m = instruments()
            m.uploads.labels(outcome=outcome).inc()
            m.upload_seconds.observe(max(seconds, 0.0))


@dataclass
class Present:
    """What the scraping process reads at scrape time."""

    queue_depth: int = 0
    workers: int = 0
    db_jobs: Iterable[tuple[str, int]] = field(default_factory=list)
    redis_up: bool = True


class _PresentCollector:
    def __init__(self, present: Present) -> None:
        self.present = present

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        p = self.present
        for name, value in (
            ("docproc_queue_depth", p.queue_depth),
            ("docproc_workers", p.workers),
            ("docproc_redis_up", 1 if p.redis_up else 0),
        ):
            yield GaugeMetricFamily(name, FAMILIES[name][1], value=value)
        jobs = GaugeMetricFamily(
            "docproc_jobs_current", FAMILIES["docproc_jobs_current"][1], labels=["status"]
        )
        for status, n in p.db_jobs:
            jobs.add_metric([status], n)
        yield jobs


def render(present: Present, accept: str | None = None) -> tuple[bytes, str]:
    """The /metrics body and its content type (OpenMetrics when the scraper asks for it)."""
    from prometheus_client import CollectorRegistry
    from prometheus_client.exposition import choose_encoder

    m = instruments()
    registry = CollectorRegistry(auto_describe=False)
    if m.directory:
        from prometheus_client.multiprocess import MultiProcessCollector

        MultiProcessCollector(registry, path=m.directory)
    else:
        for collector in m.collectors():
            registry.register(collector)
    registry.register(_PresentCollector(present))
    encoder, content_type = choose_encoder(accept or "")
    return encoder(registry), content_type


def read_sums(directory: Path, names: Sequence[str]) -> dict[str, float]:
    """Sum of the samples named ``names`` in a metrics directory (the bench reads it)."""
    from prometheus_client import CollectorRegistry
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry(auto_describe=False)
    MultiProcessCollector(registry, path=str(directory))
    out = dict.fromkeys(names, 0.0)
    for family in registry.collect():
        for sample in family.samples:
            if sample.name in out:
                out[sample.name] += sample.value
    return out
