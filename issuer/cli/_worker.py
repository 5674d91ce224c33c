"""``creditbank worker``: the consumer of background jobs, and its child of ``serve``.

``creditbank serve`` starts one worker process beside uvicorn unless ``--no-worker`` is
given (workers run elsewhere, on other hosts with Redis); it stops the child with SIGTERM
when it stops itself: the job in hand resumes from its last committed batch at the next
start. A worker polls only the queue (huey's own file, or Redis), never the database.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
from typing import Any

from issuer.cli._settings import load_settings, open_database
from issuer.jobs.queue import run_worker

__all__ = ["add_parser", "cmd_worker", "start_child", "stop_child"]

#: Seconds a stopped worker may take to exit before it is killed.
STOP_SECONDS = 10


def add_parser(sub: Any) -> None:
    worker = sub.add_parser(
        "worker", help="run background jobs (CSV imports of the institution workspace)"
    )
    worker.set_defaults(handler=cmd_worker)


def cmd_worker(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = load_settings()
    engine = open_database(settings)
    try:
        run_worker(engine, settings)
    finally:
        engine.dispose()
    return 0


def start_child() -> subprocess.Popen[bytes]:
    """``creditbank worker`` as a child process with this process's environment."""
    # -P: the working directory is not put on sys.path (it may be the data directory, whose
    # keys/ folder has the name of the keys package).
    command = [sys.executable, "-P", "-m", "issuer.cli", "worker"]
    # Our own interpreter and module: no shell, no user text.
    return subprocess.Popen(command, env=dict(os.environ))  # noqa: S603


def stop_child(child: subprocess.Popen[bytes]) -> None:
    """Stop the worker now (SIGTERM), killing it if it does not exit in time."""
    if child.poll() is not None:
        return
    child.send_signal(signal.SIGTERM)
    try:
        child.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
