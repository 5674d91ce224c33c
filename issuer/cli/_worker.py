"""``creditbank worker``: the consumer of background jobs, and its child of ``serve``.

``creditbank serve`` starts one worker process beside uvicorn unless ``--no-worker`` is
given (workers run elsewhere, on other hosts with Redis); it stops the child with SIGTERM
when it stops itself, and the child also stops by itself once ``serve`` is gone (uvicorn
ends the process on SIGTERM without running our cleanup, and a killed ``serve`` runs none):
the job in hand resumes from its last committed batch at the next start. A worker polls
only the queue (huey's own file, or Redis), never the database.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
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
    worker.add_argument(
        "--exit-with",
        type=int,
        metavar="PID",
        help="stop when process PID (the serve that started this worker) is gone",
    )
    worker.set_defaults(handler=cmd_worker)


#: How often a worker started by ``serve`` checks that ``serve`` is still there.
PARENT_CHECK_SECONDS = 1.0


def _stop_when_orphaned(parent: int) -> None:
    """SIGTERM ourselves (the consumer's own stop) once ``parent`` is no longer our parent."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)


def cmd_worker(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if getattr(args, "exit_with", None):
        threading.Thread(
            target=_stop_when_orphaned, args=(args.exit_with,), name="parent-watch", daemon=True
        ).start()
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
    command = [sys.executable, "-P", "-m", "issuer.cli", "worker", "--exit-with", str(os.getpid())]
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
