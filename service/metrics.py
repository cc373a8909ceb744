"""Prometheus metrics in the text exposition format, without a client library.

Job metrics are written by the workers, and upload metrics by every API process, into one
Redis hash: with several API processes behind one port every scrape reports the same, monotonic
numbers (issue 14: per-process counters alternated between scrapes). They restart from zero
when Redis loses its data, which Prometheus treats as a counter reset. Labels carry reason
codes, never content. Family names never collide (OpenMetrics: ``docproc_jobs_total`` is the
counter family ``docproc_jobs``, so the database gauge is ``docproc_jobs_current``).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

#: Seconds; covers text PDFs (tens of ms) to multi-page OCR (tens of seconds).
JOB_BUCKETS: tuple[float, ...] = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120)
#: Seconds; upload acceptance is expected in milliseconds.
UPLOAD_BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5)


def metrics_key(queue_name: str) -> str:
    """The Redis hash the workers of one queue count into."""
    return f"docproc:{queue_name}:metrics"


def _bucket(buckets: Sequence[float], value: float) -> str:
    for bound in buckets:
        if value <= bound:
            return _fmt(bound)
    return "+Inf"


def _fmt(value: float) -> str:
    if math.isinf(value):
        return "+Inf"
    return repr(float(value)) if value != int(value) else f"{int(value)}.0"


def record_job(redis: Any, key: str, outcome: str, reason: str | None, processing_s: float | None,
               latency_s: float | None, extract_s: float | None = None) -> None:
    """Count one job outcome and its durations (processing; upload to verdict)."""
    pipe = redis.pipeline(transaction=False)
    pipe.hincrby(key, f"jobs|{outcome}|{reason or ''}", 1)
    if extract_s is not None:
        # Time inside docproc.pipeline.extract: the rest of a job's time is the service's overhead.
        pipe.hincrbyfloat(key, "extract|sum", extract_s)
        pipe.hincrby(key, "extract|count", 1)
    for name, value in (("processing", processing_s), ("latency", latency_s)):
        if value is None:
            continue
        pipe.hincrby(key, f"{name}|bucket|{_bucket(JOB_BUCKETS, value)}", 1)
        pipe.hincrbyfloat(key, f"{name}|sum", value)
        pipe.hincrby(key, f"{name}|count", 1)
    pipe.execute()


log = logging.getLogger(__name__)


class UploadMetrics:
    """Upload counters and the acceptance-time histogram.

    With ``redis`` and ``key`` (the service), they are counted in the shared Redis hash, so all
    API processes report the same numbers; without, in this process (tests, tools)."""

    def __init__(self, redis: Any = None, key: str | None = None) -> None:
        self._lock = threading.Lock()
        self.redis = redis
        self.key = key
        self.outcomes: dict[str, int] = {}
        self.buckets: dict[str, int] = {}
        self.total = 0.0
        self.count = 0

    @property
    def shared(self) -> bool:
        return self.redis is not None and self.key is not None

    def observe(self, outcome: str, seconds: float) -> None:
        if self.shared:
            try:
                pipe = self.redis.pipeline(transaction=False)
                pipe.hincrby(self.key, f"uploads|{outcome}", 1)
                pipe.hincrby(self.key, f"upload|bucket|{_bucket(UPLOAD_BUCKETS, seconds)}", 1)
                pipe.hincrbyfloat(self.key, "upload|sum", seconds)
                pipe.hincrby(self.key, "upload|count", 1)
                pipe.execute()
            except Exception as exc:  # a lost observation, never a failed upload
                log.warning("métriques d'envoi non enregistrées (%s)", type(exc).__name__)
            return
        with self._lock:
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
            key = _bucket(UPLOAD_BUCKETS, seconds)
            self.buckets[key] = self.buckets.get(key, 0) + 1
            self.total += seconds
            self.count += 1


def _histogram(name: str, help_text: str, buckets: Sequence[float], counts: Mapping[str, float],
               total: float, count: float) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} histogram"]
    running = 0.0
    for bound in (*buckets, math.inf):
        running += counts.get(_fmt(bound), 0)
        lines.append(f'{name}_bucket{{le="{_fmt(bound)}"}} {int(running)}')
    lines += [f"{name}_sum {total}", f"{name}_count {int(count)}"]
    return lines


def render(*, queue_depth: int, db_jobs: Iterable[tuple[str, int]], redis_hash: Mapping[str, str],
           uploads: UploadMetrics, workers: int) -> str:
    """The /metrics body."""
    lines = [
        "# HELP docproc_queue_depth Jobs waiting in the RQ queue.",
        "# TYPE docproc_queue_depth gauge",
        f"docproc_queue_depth {queue_depth}",
        "# HELP docproc_workers RQ workers registered on the queue.",
        "# TYPE docproc_workers gauge",
        f"docproc_workers {workers}",
        "# HELP docproc_jobs_current Jobs currently in the database, by status.",
        "# TYPE docproc_jobs_current gauge",
    ]
    lines += [f'docproc_jobs_current{{status="{status}"}} {n}' for status, n in db_jobs]
    lines += ["# HELP docproc_jobs_total Jobs ended by the workers, by outcome and reason code.",
              "# TYPE docproc_jobs_total counter"]
    buckets: dict[str, dict[str, float]] = {"processing": {}, "latency": {}, "upload": {}}
    upload_outcomes: dict[str, int] = {}
    sums: dict[str, float] = {}
    counts: dict[str, float] = {}
    for key, raw in sorted(redis_hash.items()):
        parts = key.split("|")
        if parts[0] == "jobs" and len(parts) == 3:
            lines.append(f'docproc_jobs_total{{outcome="{parts[1]}",reason="{parts[2]}"}} {int(float(raw))}')
        elif parts[0] == "uploads" and len(parts) == 2:
            upload_outcomes[parts[1]] = int(float(raw))
        elif parts[0] in buckets and len(parts) == 3 and parts[1] == "bucket":
            buckets[parts[0]][parts[2]] = float(raw)
        elif parts[0] in buckets and len(parts) == 2:
            (sums if parts[1] == "sum" else counts)[parts[0]] = float(raw)
    lines += ["# HELP docproc_extract_seconds_total Time spent in the extraction pipeline.",
              "# TYPE docproc_extract_seconds_total counter",
              f"docproc_extract_seconds_total {float(redis_hash.get('extract|sum', 0.0))}"]
    lines += _histogram("docproc_job_processing_seconds", "Time from a worker's claim to the stored result.",
                        JOB_BUCKETS, buckets["processing"], sums.get("processing", 0.0),
                        counts.get("processing", 0.0))
    lines += _histogram("docproc_job_latency_seconds", "Time from the upload's acceptance to the stored result.",
                        JOB_BUCKETS, buckets["latency"], sums.get("latency", 0.0),
                        counts.get("latency", 0.0))
    if uploads.shared:
        outcomes, up_buckets = upload_outcomes, buckets["upload"]
        up_sum, up_count = sums.get("upload", 0.0), counts.get("upload", 0.0)
    else:
        outcomes, up_buckets = dict(uploads.outcomes), {k: float(v) for k, v in uploads.buckets.items()}
        up_sum, up_count = uploads.total, float(uploads.count)
    lines += ["# HELP docproc_uploads_total Upload requests answered by the API, by outcome.",
              "# TYPE docproc_uploads_total counter"]
    lines += [f'docproc_uploads_total{{outcome="{k}"}} {v}' for k, v in sorted(outcomes.items())]
    lines += _histogram("docproc_upload_seconds", "Time to accept an upload.",
                        UPLOAD_BUCKETS, up_buckets, up_sum, up_count)
    return "\n".join(lines) + "\n"
