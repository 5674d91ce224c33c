"""The task queue of background jobs: huey, on SQLite by default and on Redis at scale.

- Embedded default: :class:`huey.SqliteHuey` in its own file, ``<home>/jobs.sqlite3``:
  the queue's polling never touches the bank's database.
- ``CREDITBANK_REDIS_URL`` set: :class:`huey.RedisHuey` on that server, shared by the
  workers of every host (the database, PostgreSQL then, is shared already).

The web process only enqueues (:func:`enqueue_import`); ``creditbank worker``
(:func:`run_worker`) consumes. A job's state lives in the bank's database
(:mod:`issuer.jobs.import_jobs`), not in the queue: a worker starting up enqueues every
job that is queued or was cut off mid-run, once, so a killed worker loses nothing even
if the queue lost its message; a job enqueued twice is run once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey
from huey.api import TaskWrapper
from sqlalchemy import Engine

from issuer.core.settings import Settings
from issuer.jobs import import_jobs

__all__ = ["QUEUE_FILE", "TASK_NAME", "enqueue_import", "queue_of", "run_worker"]

logger = logging.getLogger("issuer.jobs")

#: The queue's own SQLite file in the data directory (embedded default).
QUEUE_FILE = "jobs.sqlite3"
TASK_NAME = "creditbank.import_job"
#: Longest pause between two looks at an empty queue (the consumer backs off to it).
MAX_POLL_SECONDS = 1.0


@dataclass
class _Runtime:
    engine: Engine | None = None
    settings: Settings | None = None


#: What the worker process gives its tasks (set by :func:`run_worker`).
_runtime = _Runtime()


def _run_import(job_id: int) -> None:
    if _runtime.engine is None or _runtime.settings is None:
        raise RuntimeError("import jobs run in `creditbank worker` only")
    import_jobs.run_job(_runtime.engine, _runtime.settings, job_id)


@cache
def _queue(home: str, redis_url: str | None) -> tuple[Huey, TaskWrapper]:
    huey: Huey
    if redis_url:
        huey = RedisHuey("creditbank", url=redis_url, results=False)
    else:
        huey = SqliteHuey("creditbank", filename=f"{home}/{QUEUE_FILE}", results=False)
    task: TaskWrapper = huey.task(name=TASK_NAME)(_run_import)
    return huey, task


def queue_of(settings: Settings) -> tuple[Huey, TaskWrapper]:
    """The huey instance of this installation and its import task."""
    return _queue(str(settings.home.resolve()), settings.redis_url)


def enqueue_import(settings: Settings, job_id: int) -> None:
    """Put job ``job_id`` on the queue (after its row is committed)."""
    _, task = queue_of(settings)
    task(job_id)


def run_worker(engine: Engine, settings: Settings, **options: Any) -> None:
    """Consume the queue until SIGINT (finish the job in hand) or SIGTERM (stop now; the
    job resumes from its last committed batch at the next start)."""
    huey, task = queue_of(settings)
    _runtime.engine, _runtime.settings = engine, settings
    for job_id in import_jobs.unfinished_jobs(engine):
        logger.info("resuming import job %s", job_id)
        task(job_id)
    consumer = huey.create_consumer(
        workers=1,
        periodic=False,
        max_delay=MAX_POLL_SECONDS,
        check_worker_health=False,
        **options,
    )
    consumer.run()
