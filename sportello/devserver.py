"""Starting a local Rasa server and action server for end-to-end tests and benchmarks."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, List, Optional
from urllib.error import URLError
from urllib.request import Request, urlopen

from sportello import PROJECT_ROOT

RASA = str(Path(sys.executable).parent / "rasa")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(url: str, body: Any = None, raw: Optional[bytes] = None, timeout: float = 60) -> Any:
    """GETs ``url``, or POSTs ``body`` as JSON (or ``raw`` bytes), and decodes the JSON answer."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = Request(url, data=data, headers={"Content-Type": "application/json"})  # noqa: S310 - local URLs
    with urlopen(request, timeout=timeout) as response:  # noqa: S310
        return json.loads(response.read() or b"null")


@dataclass
class Stack:
    """A running Rasa server (with API) and action server."""

    base_url: str
    action_url: str
    token: str
    processes: List[subprocess.Popen[bytes]]

    @property
    def rasa_pid(self) -> int:
        """Process id of the Rasa server."""
        return self.processes[1].pid


def _wait_until_up(url: str, processes: List[subprocess.Popen[bytes]], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            raise RuntimeError("a server exited during start-up; see the logs in the work folder")
        try:
            call(url, timeout=5)
            return
        except (URLError, OSError, ValueError):
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@contextlib.contextmanager
def running_stack(model: Path, workdir: Path, token: str, timeout: float = 300) -> Iterator[Stack]:
    """Runs both servers on free ports with a SQLite tracker store and secrets in ``workdir``.

    Logs go to ``workdir/actions.log`` and ``workdir/rasa.log``; both processes are
    stopped when the context ends.
    """
    action_port, rasa_port = free_port(), free_port()
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(
        f"action_endpoint:\n  url: http://127.0.0.1:{action_port}/webhook\n"
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {workdir / 'tracker.db'}\n"
    )
    env = {**os.environ, "SPORTELLO_VAR_DIR": str(workdir)}
    commands = [
        [RASA, "run", "actions", "--port", str(action_port), "--actions", "actions"],
        [RASA, "run", "--model", str(model), "--port", str(rasa_port), "--credentials", "credentials.yml",
         "--endpoints", str(endpoints), "--enable-api", "--auth-token", token],
    ]
    processes: List[subprocess.Popen[bytes]] = []
    with open(workdir / "actions.log", "wb") as actions_log, open(workdir / "rasa.log", "wb") as rasa_log:
        try:
            for command, log in zip(commands, (actions_log, rasa_log), strict=True):
                processes.append(
                    subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
                )
            stack = Stack(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{action_port}", token, processes)
            _wait_until_up(f"{stack.base_url}/status?token={token}", processes, timeout)
            _wait_until_up(f"{stack.action_url}/health", processes, timeout)
            yield stack
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)
