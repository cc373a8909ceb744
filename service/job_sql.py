"""The statements of a job's hot path (claim, store), built once: building a statement costs
more than running it."""

from __future__ import annotations

from sqlalchemy import bindparam, literal, or_, select, text, update

from service.db import DOSSIERS, FILES, JOB_FINISHED, JOB_QUEUED, JOB_STARTED, JOBS

BUSY = (
    select(literal(1))
    .select_from(JOBS.alias("other"))
    .where(
        text("other.dossier_id = jobs.dossier_id"),
        text("other.status = 'started'"),
        text("other.heartbeat_at >= :fresh"),
    )
    .limit(1)
    .scalar_subquery()
)
CLAIM_READ = (
    select(
        JOBS.c.status,
        JOBS.c.not_before,
        JOBS.c.attempts,
        JOBS.c.generation,
        JOBS.c.dossier_id,
        JOBS.c.created_at,
        JOBS.c.enqueued_at,
        DOSSIERS.c.result_generation,
        DOSSIERS.c.generation.label("dossier_generation"),
        DOSSIERS.c.request_date,
        DOSSIERS.c.data_key,
        BUSY.label("busy"),
        # The dossier's files, one row each (``job_input.LOAD_FILES``'s columns).
        FILES.c.id.label("file_id"),
        FILES.c.name_sealed,
        FILES.c.wrapped_key,
        FILES.c.media_type,
        FILES.c.created_at.label("file_created_at"),
    )
    .join_from(JOBS, DOSSIERS, DOSSIERS.c.id == JOBS.c.dossier_id)
    .outerjoin(FILES, FILES.c.dossier_id == DOSSIERS.c.id)
    .where(JOBS.c.id == bindparam("job_id"))
    .order_by(FILES.c.seq)
)
JOB_UPDATE = update(JOBS).where(JOBS.c.id == bindparam("b_job"))
START = JOB_UPDATE.values(
    status=JOB_STARTED,
    attempts=bindparam("b_attempt"),
    worker=bindparam("b_worker"),
    started_at=bindparam("b_now"),
    heartbeat_at=bindparam("b_now"),
    reason=None,
)
DATA_KEY = select(DOSSIERS.c.data_key).where(DOSSIERS.c.id == bindparam("dossier_id"))
STORE_RESULT = (
    update(DOSSIERS)
    .where(
        DOSSIERS.c.id == bindparam("b_dossier"),
        or_(
            DOSSIERS.c.result_generation.is_(None),
            DOSSIERS.c.result_generation < bindparam("b_generation"),
        ),
    )
    .values(
        result_sealed=bindparam("b_result"),
        result_generation=bindparam("b_generation"),
        updated_at=bindparam("b_now"),
    )
)
END_MINE = update(JOBS).where(
    JOBS.c.id == bindparam("b_job"),
    JOBS.c.status == JOB_STARTED,
    JOBS.c.attempts == bindparam("b_attempt"),
)
FINISH_MINE = END_MINE.values(
    status=JOB_FINISHED, finished_at=bindparam("b_now"), reason=None, worker=None
)
COVER = (
    update(JOBS)
    .where(
        JOBS.c.dossier_id == bindparam("b_dossier"),
        JOBS.c.status == JOB_QUEUED,
        JOBS.c.generation <= bindparam("b_generation"),
    )
    .values(status=JOB_FINISHED, finished_at=bindparam("b_now"), reason=None)
)
ANY_QUEUED = (
    select(literal(1))
    .where(JOBS.c.dossier_id == bindparam("dossier_id"), JOBS.c.status == JOB_QUEUED)
    .limit(1)
)
