"""``docproc bench`` service section: upload acceptance, queue overhead, upload→verdict latency.

Everything runs on loopback in a temporary directory, with the real processes (a private
``redis-server`` with AOF, ``docproc serve`` / ``docproc up`` as subprocesses) and bounded
loops. Three measurements:

* **acceptance**: 32 concurrent keep-alive clients post ~200 KB files as fast as the API
  accepts them (no worker running, so only the upload path is measured: stream, sniff,
  encrypt, fsync, commit, enqueue). Target ≥ 200 uploads/s, p99 < 150 ms. The client is a
  minimal asyncio HTTP/1.1 client so that it takes as little of the 2 cores as possible.
* **queue overhead** (``bench.queue_overhead``): N jobs queued, then one worker drains them;
  overhead per job = (busy window − time inside ``docproc.pipeline.extract``) / N: RQ dequeue
  and bookkeeping, claim, heartbeat, decryption, result write. Target ≤ 1.3× a bare RQ
  worker's no-op job, measured in rounds alternating with it (and ≤ 5 ms).
* **upload→verdict**: ``docproc up`` (2 workers), a text-PDF avis uploaded at a steady
  10 per second, each to its own dossier; latency = result stored − upload request sent.
  Target p95 < 2 s.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.common import avis_pdf, percentile, unique
from bench.queue_overhead import bench_queue_overhead
from bench.stack import Stack, cpu_s, free_port, wait_http

BOUNDARY = "docprocbench"


def _multipart(name: str, data: bytes) -> bytes:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def _request(path: str, key: str, body: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def _roundtrip(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
) -> tuple[int, bytes]:
    writer.write(raw)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return status, await reader.readexactly(length)


def bench_acceptance(
    stack: Stack,
    uploads: int = 1200,
    clients: int = 32,
    size: int = 200_000,
    offered_rate: float = 200.0,
) -> dict[str, Any]:
    """Two runs on one API process: as fast as it accepts (capacity), then at 200/s offered."""
    port = free_port()
    proc = stack.spawn(["serve", "--port", str(port)], stack.tmp / "acceptance", "bench-acceptance")
    base = f"http://127.0.0.1:{port}"
    wait_http(base, proc)
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {stack.key}"}) as client:
        dossiers = [client.post("/dossiers").json()["id"] for _ in range(clients)]
    pdf = avis_pdf()

    def run(rate: float | None, tag: str) -> tuple[list[float], dict[int, int], float, float]:
        latencies: list[float] = []
        errors: dict[int, int] = {}
        counter = iter(range(uploads + clients))

        async def one_client(i: int, start: float) -> None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            path = f"/dossiers/{dossiers[i]}/files"
            try:
                for n in counter:
                    raw = _request(
                        path,
                        stack.key,
                        _multipart(f"avis-{n}.pdf", unique(pdf, f"{tag}{i}-{n}", size)),
                    )
                    t0 = time.perf_counter()
                    if rate is not None:
                        # Open loop: each request has its slot; a late one counts from its slot,
                        # so queueing in the server is not hidden (no coordinated omission).
                        slot = start + n / rate
                        if slot > t0:
                            await asyncio.sleep(slot - t0)
                        t0 = slot
                    status, _ = await _roundtrip(reader, writer, raw)
                    if n >= clients:  # the first request of each connection warms up
                        latencies.append(time.perf_counter() - t0)
                        if status != 202:
                            errors[status] = errors.get(status, 0) + 1
            finally:
                writer.close()

        async def run_all() -> float:
            start = time.perf_counter() + 0.05
            await asyncio.gather(*(one_client(i, start) for i in range(clients)))
            return time.perf_counter() - start

        cpu0 = cpu_s(proc.pid)
        wall = asyncio.run(run_all())
        return latencies, errors, wall, cpu_s(proc.pid) - cpu0

    lat, errors, wall, cpu = run(None, "c")
    capacity = len(lat) / wall
    open_lat, open_errors, open_wall, _ = run(offered_rate, "o")
    p99 = percentile(open_lat, 99) * 1000
    return {
        "clients": clients,
        "file_bytes": size,
        "capacity_uploads_per_s": round(capacity, 1),
        "capacity_p50_ms": round(percentile(lat, 50) * 1000, 1),
        "capacity_p99_ms": round(percentile(lat, 99) * 1000, 1),
        "server_cpu_ms_per_upload": round(cpu / (uploads + clients) * 1000, 2),
        "offered_uploads_per_s": offered_rate,
        "achieved_uploads_per_s": round(len(open_lat) / open_wall, 1),
        "p50_ms": round(percentile(open_lat, 50) * 1000, 1),
        "p99_ms": round(p99, 1),
        "max_ms": round(max(open_lat, default=0.0) * 1000, 1),
        "errors": {**errors, **open_errors},
        "uploads": len(lat) + len(open_lat),
        "target": "≥ 200 uploads/s, p99 < 150 ms",
        "ok": capacity >= 200 and p99 < 150 and not errors and not open_errors,
    }


def bench_latency(stack: Stack, rate: float = 10.0, seconds: float = 30.0) -> dict[str, Any]:
    port = free_port()
    data_dir = stack.tmp / "latency"
    proc = stack.spawn(
        ["up", "--port", str(port), "--data-dir", str(data_dir)], data_dir, "docproc"
    )
    base = f"http://127.0.0.1:{port}"
    wait_http(base, proc)
    pdf = avis_pdf()
    total = int(rate * seconds)
    sent: list[tuple[float, str]] = []
    errors = 0
    with httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {stack.key}"}, timeout=30
    ) as client:
        dossiers = [
            client.post("/dossiers", json={"request_date": "2025-10-01"}).json()["id"]
            for _ in range(total)
        ]
        time.sleep(1.0)  # let the workers settle
        start = time.monotonic()
        for n, dossier in enumerate(dossiers):
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            t_sent = datetime.now(UTC).replace(tzinfo=None)
            r = client.post(
                f"/dossiers/{dossier}/files", files={"file": ("avis.pdf", unique(pdf, str(n)))}
            )
            if r.status_code != 202:
                errors += 1
                continue
            sent.append((t_sent.timestamp(), r.json()["job_id"]))
        latencies: list[float] = []
        failed = 0
        deadline = time.monotonic() + 120
        pending = list(sent)
        while pending and time.monotonic() < deadline:
            still = []
            for t_sent_ts, job_id in pending:
                job = client.get(f"/jobs/{job_id}").json()
                if job["status"] == "finished":
                    finished = datetime.fromisoformat(job["finished_at"].rstrip("Z")).timestamp()
                    latencies.append(finished - t_sent_ts)
                elif job["status"] == "failed":
                    failed += 1
                else:
                    still.append((t_sent_ts, job_id))
            pending = still
            if pending:
                time.sleep(0.2)
    p95 = percentile(latencies, 95) * 1000
    return {
        "rate_per_s": rate,
        "uploads": total,
        "finished": len(latencies),
        "failed": failed,
        "upload_errors": errors,
        "lost": len(pending),
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(max(latencies, default=0.0) * 1000, 1),
        "target_p95_ms": 2000.0,
        "ok": p95 < 2000 and not failed and not errors and not pending,
    }


def bench_service(quick: bool = False, avis: int = 1000) -> dict[str, Any]:
    """All the measurements; ``quick`` shrinks the loops (used by the tests); ``avis`` is the
    number of text avis sent end to end (the figure for 1 000 is extrapolated otherwise)."""
    from bench.scale import bench_ocr_throughput, bench_scale

    with tempfile.TemporaryDirectory(prefix="docproc-bench-") as tmp:
        stack = Stack(Path(tmp))
        try:
            results: dict[str, Any] = {
                "load_average_at_start": [round(x, 1) for x in os.getloadavg()]
            }
            results["upload_acceptance"] = bench_acceptance(stack, uploads=100 if quick else 1200)
            results["queue_overhead"] = bench_queue_overhead(
                stack, jobs=30 if quick else 200, rounds=2 if quick else 5
            )
            results["upload_to_verdict"] = bench_latency(stack, seconds=2 if quick else 30)
            results.update(
                bench_scale(
                    stack, avis=min(avis, 20) if quick else avis, probe_s=6 if quick else 40
                )
            )
            results["ocr_throughput"] = bench_ocr_throughput(pages=1 if quick else 4)
            results["cpu_cores"] = os.cpu_count()
            results["load_average_at_end"] = [round(x, 1) for x in os.getloadavg()]
            results["median_note"] = "one run; this machine's speed drifts (see performance.md)"
            return results
        finally:
            stack.close()


if __name__ == "__main__":
    import json

    sys.stdout.write(
        json.dumps(bench_service(quick="--quick" in sys.argv), ensure_ascii=False, indent=2) + "\n"
    )
