"""Issue 12, point 4: slow and many clients on loopback cannot hold the API.

A real ``docproc serve`` process (its RSS is measured) under, at once: 50 connections sending
a request head byte by byte, 20 uploads at 1 byte/s, 20 uploads of ~1.9 Mo that stop 10 bytes
before the end, and one upload over the per-key cap. Meanwhile another client's GET /healthz
and small uploads are answered within the p99 target; the slow clients are cut off after the
configured timeouts, and the memory they held is given back.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from service.api_errors import ApiError
from service.httpguard import UploadSlots
from tests.service.conftest import ROOT, RedisServer, free_port

pytestmark = pytest.mark.redis

HEADER_TIMEOUT, BODY_IDLE, RATE_GRACE, MIN_RATE = 3.0, 4.0, 2.0, 1000
P99_TARGET_S = 0.150
KEYS = {name: secrets.token_urlsafe(24) for name in ("trickle", "stall", "good")}


def test_upload_slots_cap_in_total_and_per_key() -> None:
    slots = UploadSlots(total=3, per_key=2)
    with slots.hold("a"), slots.hold("a"):
        with pytest.raises(ApiError) as per_key, slots.hold("a"):
            pass
        assert per_key.value.status == 429 and per_key.value.code == "uploads.too_many"
        assert per_key.value.headers and "Retry-After" in per_key.value.headers
        with slots.hold("b"):
            with pytest.raises(ApiError) as total, slots.hold("c"):
                pass
            assert total.value.status == 503 and total.value.code == "service.busy"
    assert slots.busy == 0 and slots.by_key == {}


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _multipart(data: bytes) -> tuple[bytes, bytes]:
    boundary = secrets.token_hex(12).encode()
    head = (
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n"
    )
    return boundary, head + data + b"\r\n--" + boundary + b"--\r\n"


def _request(dossier: str, key: str, body: bytes, boundary: bytes) -> bytes:
    return (
        f"POST /dossiers/{dossier}/files HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary.decode()}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()


async def _status(reader: asyncio.StreamReader, timeout: float) -> int | None:
    """The response's status code, or None if the server closed without answering."""
    line = await asyncio.wait_for(reader.readline(), timeout)
    return int(line.split()[1]) if line.startswith(b"HTTP/1.1") else None


async def _partial_head(port: int, out: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    start = time.monotonic()
    writer.write(b"POST /dossiers HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    try:
        for i in range(60):
            writer.write(f"X-Slow-{i}: y\r\n".encode()[:1])  # one byte at a time, never the end
            await writer.drain()
            try:
                if await asyncio.wait_for(reader.read(1), 0.25) == b"":
                    break
            except TimeoutError:
                continue
    except (ConnectionError, OSError):
        pass
    out.append(time.monotonic() - start)
    writer.close()


async def _keepalive_then_partial(port: int, out: list[float]) -> None:
    """A good request, then on the same keep-alive connection a head that never ends."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert await _status(reader, 10) in (200, 503)
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    start = time.monotonic()
    with contextlib.suppress(ConnectionError, OSError):
        while await asyncio.wait_for(reader.read(65536), 30):
            pass
    out.append(time.monotonic() - start)
    writer.close()


async def _trickle(port: int, dossier: str, out: list[tuple[int | None, float]]) -> None:
    boundary, body = _multipart(b"%PDF-1.7\n" + b"%" * 2000)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    start = time.monotonic()
    writer.write(_request(dossier, KEYS["trickle"], body, boundary))
    status: int | None = None
    try:
        for byte in body:
            writer.write(bytes([byte]))
            await writer.drain()
            try:
                status = await _status(reader, 1.0)  # 1 byte/s
                break
            except TimeoutError:
                continue
    except (ConnectionError, OSError):
        pass
    out.append((status, time.monotonic() - start))
    writer.close()


async def _stall(
    port: int, dossier: str, out: list[tuple[int | None, float]], sent_all: list[int]
) -> None:
    boundary, body = _multipart(b"%PDF-1.7\n" + os.urandom(1_900_000))
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(_request(dossier, KEYS["stall"], body, boundary) + body[:-10])
    await writer.drain()
    sent = time.monotonic()
    sent_all.append(1)
    status: int | None = None
    with contextlib.suppress(ConnectionError, OSError, TimeoutError):
        status = await _status(reader, 30)
    out.append((status, time.monotonic() - sent))
    writer.close()


async def _good_client(
    base: str, dossier: str, pdf: bytes, until: float, out: dict[str, list[float]]
) -> None:
    headers = {"Authorization": f"Bearer {KEYS['good']}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as c:
        while time.monotonic() < until:
            t = time.perf_counter()
            r = await c.get("/healthz")
            out["healthz"].append(time.perf_counter() - t)
            assert r.status_code == 200, r.text
            data = pdf + b"\n%" + secrets.token_hex(8).encode()
            t = time.perf_counter()
            r = await c.post(f"/dossiers/{dossier}/files", files={"file": ("avis.pdf", data)})
            out["upload"].append(time.perf_counter() - t)
            assert r.status_code == 202, r.text
            await asyncio.sleep(0.05)


def _p99(values: list[float]) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[98]
        if len(values) > 1
        else values[0]
    )


@pytest.mark.slow
def test_slow_clients_are_cut_off_and_others_served_within_p99(
    tmp_path: Path, redis_server: RedisServer, sample_pdf: bytes
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "REDIS_URL": redis_server.url,
        "DOCPROC_DATA_DIR": str(tmp_path / "data"),
        "DOCPROC_QUEUE": f"q{secrets.token_hex(4)}",
        "DOCPROC_STORAGE_KEY": secrets.token_bytes(32).hex(),
        "DOCPROC_API_KEYS": ",".join(f"{n}:pipeline:{k}" for n, k in KEYS.items()),
        "DOCPROC_API_PROCESSES": "1",
        "DOCPROC_REQUIRE_WORKER": "0",  # uploads are queued, not read
        "DOCPROC_HTTP_HEADER_TIMEOUT_S": str(HEADER_TIMEOUT),
        "DOCPROC_HTTP_BODY_IDLE_TIMEOUT_S": str(BODY_IDLE),
        "DOCPROC_HTTP_RATE_GRACE_S": str(RATE_GRACE),
        "DOCPROC_HTTP_MIN_UPLOAD_RATE": str(MIN_RATE),
        "DOCPROC_MAX_UPLOADS": "64",
        "DOCPROC_MAX_UPLOADS_PER_KEY": "20",
    }
    log = tmp_path / "serve.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "service.commands", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline
            time.sleep(0.1)
        dossiers = {}
        for name, key in KEYS.items():
            r = httpx.post(f"{base}/dossiers", json={}, headers={"Authorization": f"Bearer {key}"})
            dossiers[name] = r.json()["id"]
        warm: dict[str, list[float]] = {"healthz": [], "upload": []}
        asyncio.run(_good_client(base, dossiers["good"], sample_pdf, time.monotonic() + 4.0, warm))
        baseline = _rss_kib(proc.pid)
        calm = {k: _p99(v[len(v) // 4 :]) for k, v in warm.items()}  # after the first requests

        heads: list[float] = []
        second_heads: list[float] = []
        trickles: list[tuple[int | None, float]] = []
        stalls: list[tuple[int | None, float]] = []
        good: dict[str, list[float]] = {"healthz": [], "upload": []}
        peak = [baseline]

        async def attack() -> int | None:
            async def sample_rss() -> None:
                while True:
                    peak[0] = max(peak[0], _rss_kib(proc.pid))
                    await asyncio.sleep(0.1)

            sampler = asyncio.create_task(sample_rss())
            tasks = [asyncio.create_task(_partial_head(port, heads)) for _ in range(50)]
            tasks += [
                asyncio.create_task(_keepalive_then_partial(port, second_heads)) for _ in range(5)
            ]
            tasks += [
                asyncio.create_task(_trickle(port, dossiers["trickle"], trickles))
                for _ in range(20)
            ]
            sent: list[int] = []
            tasks += [
                asyncio.create_task(_stall(port, dossiers["stall"], stalls, sent))
                for _ in range(20)
            ]
            await asyncio.sleep(0.5)
            async with httpx.AsyncClient(
                base_url=base, timeout=10, headers={"Authorization": f"Bearer {KEYS['trickle']}"}
            ) as c:
                over = await c.post(
                    f"/dossiers/{dossiers['trickle']}/files", files={"file": ("a.pdf", sample_pdf)}
                )
            # Measured while the slow clients hold their connections, once the server has taken
            # in the 20 nearly complete bodies (its RSS shows them).
            deadline = time.monotonic() + 5
            while (
                len(sent) < 20 or peak[0] < baseline + 30 * 1024
            ) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            await _good_client(base, dossiers["good"], sample_pdf, time.monotonic() + 6.0, good)
            await asyncio.gather(*tasks)
            sampler.cancel()
            assert over.headers.get("Retry-After"), over.text
            return over.status_code

        started = time.monotonic()
        over_status = asyncio.run(attack())
        elapsed = time.monotonic() - started
        time.sleep(1.0)
        after = _rss_kib(proc.pid)

        # Others were served within the p99 target while the attack went on.
        p99 = {k: _p99(v) for k, v in good.items()}
        assert len(good["upload"]) >= 20
        # The target, or no worse than twice the same client's p99 measured just before the
        # attack plus 50 ms. On a machine that other jobs load beyond twice its cores, latency
        # is theirs to set: then only "answered, within a second" is asserted.
        overloaded = os.getloadavg()[0] > 2 * (os.cpu_count() or 1)
        for what in ("healthz", "upload"):
            bound = 1.0 if overloaded else max(P99_TARGET_S, 2 * calm[what] + 0.050)
            assert p99[what] < bound, (what, p99, calm, os.getloadavg())
        # The 21st concurrent upload of one key was refused at once.
        assert over_status == 429
        # Slow clients were cut off after their timeouts.
        assert len(heads) == 50 and max(heads) < HEADER_TIMEOUT + 2.0, sorted(heads)[-5:]
        assert len(second_heads) == 5 and max(second_heads) < HEADER_TIMEOUT + 2.0, second_heads
        assert len(trickles) == 20 and all(s == 408 for s, _ in trickles), trickles
        assert max(t for _, t in trickles) < RATE_GRACE + BODY_IDLE + 3.0, trickles
        assert len(stalls) == 20 and all(s == 408 for s, _ in stalls), stalls
        # (counted from the client side, before the server has read the 38 Mo it was sent)
        assert max(t for _, t in stalls) < BODY_IDLE + 5.0, stalls
        # The memory they held (20 x 1.9 Mo) is given back.
        assert after < baseline + 20 * 1024, (baseline, peak[0], after)
        assert elapsed < 30
        print(f"p99 {p99}, RSS baseline {baseline} KiB, peak {peak[0]} KiB, after {after} KiB")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert "Traceback" not in log.read_text()
