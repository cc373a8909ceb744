"""Our RQ worker (``service.rq_worker``) leaves Redis as RQ's own ``SimpleWorker`` does, with
fewer round trips per job."""

from __future__ import annotations

import re
from typing import Any

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import Job as RQJob
from rq.serializers import JSONSerializer

from service.rq_worker import DocprocJob, DocprocWorker
from tests.service.conftest import RedisServer
from tests.service.test_sealed import _redis_dump

pytestmark = pytest.mark.redis


def _own_db(url: str) -> str:
    """The session's Redis server, database 9: these tests flush it and suspend its workers
    (a URL's database beats ``Redis.from_url``'s ``db`` argument)."""
    return url.rsplit("/", 1)[0] + "/9"


def _run(redis: Redis, worker_class: type[SimpleWorker], tag: str, jobs: int) -> list[str]:
    job_class = DocprocJob if worker_class is DocprocWorker else RQJob
    queue = Queue(f"q-{tag}", connection=redis, serializer=JSONSerializer, job_class=job_class)
    ids = [
        queue.enqueue("os.getpid", result_ttl=0, job_id=f"job-{tag}-{n}").id for n in range(jobs)
    ]
    worker = worker_class(
        [queue], connection=redis, name=f"w-{tag}", serializer=JSONSerializer, job_class=job_class
    )
    worker.work(burst=True, logging_level="WARNING")
    return ids


def _state(redis: Redis, tag: str) -> list[tuple[str, Any]]:
    """The keys of one run and, for hashes, their fields; the worker's counters as values."""
    out = []
    for key, value in _redis_dump(redis):
        name = key.decode()
        if tag not in name and tag.encode() not in value:
            continue
        fields: Any = value
        if redis.type(key) == b"hash":
            stored = redis.hgetall(key)
            fields = sorted(
                (k.decode(), v.decode() if k in (b"successful_job_count", b"state") else "")
                for k, v in stored.items()
            )
        out.append((re.sub(r"stock|ours", "TAG", name), fields if "worker" in name else ""))
    return sorted(out)


def test_same_end_state_as_rq_with_fewer_round_trips(redis_server: RedisServer) -> None:
    redis = Redis.from_url(_own_db(redis_server.url))
    redis.flushdb()
    calls: dict[str, int] = {}
    for tag, worker_class in (("stock", SimpleWorker), ("ours", DocprocWorker)):
        redis.config_resetstat()
        ids = _run(redis, worker_class, tag, jobs=5)
        stats = redis.info("commandstats")
        calls[tag] = sum(int(v["calls"]) for v in stats.values())
        # Nothing of a finished job is left (result_ttl 0), with either worker.
        assert not [k for k, v in _redis_dump(redis) if any(i.encode() in k + v for i in ids)]
    stock, ours = _state(redis, "stock"), _state(redis, "ours")
    assert ours == stock
    assert ("rq:worker:w-TAG", [("birth", ""), ("death", "")]) not in ours  # a real comparison
    assert any(f == ("successful_job_count", "5") for _, fields in ours for f in fields)
    assert calls["ours"] < calls["stock"]


def _suspend(url: str) -> None:
    """A job that suspends the workers (``rq suspend``) while it runs."""
    from rq.suspension import suspend

    suspend(Redis.from_url(url))


@pytest.mark.parametrize("worker_class", [SimpleWorker, DocprocWorker])
def test_a_suspension_during_a_job_stops_the_next_dequeue(
    redis_server: RedisServer, worker_class: type[SimpleWorker]
) -> None:
    """Our worker reads the suspension with the idle state after a job (RQ reads it before
    the next dequeue): the job after one that ran ``rq suspend`` is not run, as with RQ's."""
    url = _own_db(redis_server.url)
    redis = Redis.from_url(url)
    redis.flushdb()
    job_class = DocprocJob if worker_class is DocprocWorker else RQJob
    queue = Queue("q-suspend", connection=redis, serializer=JSONSerializer, job_class=job_class)
    queue.enqueue(_suspend, url, result_ttl=0)
    after = queue.enqueue("os.getpid", result_ttl=0)
    worker = worker_class([queue], connection=redis, serializer=JSONSerializer, job_class=job_class)
    try:
        worker.work(burst=True, logging_level="WARNING")
        assert redis.exists("rq:suspended")
        assert queue.job_ids == [after.id]
        assert redis.hget(worker.key, "successful_job_count") == b"1"
    finally:
        redis.flushdb()  # resumed: nothing else uses this database


def _mark_self(url: str) -> None:
    """A job whose dossier is deleted while it runs: the deletion marks its RQ id."""
    from rq import get_current_job

    from service.queue import purge_key

    job = get_current_job()
    assert job is not None
    Redis.from_url(url).set(purge_key(job.id), 1)


def test_a_job_marked_while_it_runs_is_purged_after_it(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The purge mark is read with the idle state, now carried by the success's closing
    transaction: the marked job's RQ records are purged, the unmarked one's are not."""
    import service.rq_worker as rq_worker

    url = _own_db(redis_server.url)
    redis = Redis.from_url(url)
    redis.flushdb()
    purged: list[str] = []

    class Jobs:
        def __init__(self, *_: Any) -> None:
            pass

        def delete_jobs(self, ids: list[str], running_too: bool = False) -> None:
            assert running_too
            purged.extend(ids)

    class Context:
        redis, settings = None, None

    monkeypatch.setattr(rq_worker, "JobQueue", Jobs)
    monkeypatch.setattr(rq_worker.job_context, "get_context", lambda: Context())
    queue = Queue("q-purge", connection=redis, serializer=JSONSerializer, job_class=DocprocJob)
    marked = queue.enqueue(_mark_self, url, result_ttl=0)
    plain = queue.enqueue("os.getpid", result_ttl=0)
    worker = DocprocWorker(
        [queue], connection=redis, serializer=JSONSerializer, job_class=DocprocJob
    )
    try:
        worker.work(burst=True, logging_level="WARNING")
        assert purged == [marked.id]
        assert redis.hget(worker.key, "successful_job_count") == b"2"
        assert redis.hget(worker.key, "state") == b"idle" or not redis.exists(worker.key)
        assert not redis.exists(marked.key) and not redis.exists(plain.key)
    finally:
        redis.flushdb()
