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
from typing import Any, BinaryIO, Iterator, List, Optional
from urllib.error import URLError
from urllib.request import Request, urlopen

from sportello import PROJECT_ROOT

RASA = str(Path(sys.executable).parent / "rasa")
# The WhatsApp channel's variables when it talks to the local simulator.
SIMULATOR_CREDENTIALS = {
    "WHATSAPP_ACCESS_TOKEN": "simulator-access-token",
    "WHATSAPP_APP_SECRET": "simulator-app-secret",
    "WHATSAPP_VERIFY_TOKEN": "simulator-verify-token",
    "WHATSAPP_PHONE_NUMBER_ID": "393517749241",
}


def simulator_command(port: int, webhook_url: str) -> List[str]:
    """The command that runs the WhatsApp simulator on ``port``, posting webhooks to ``webhook_url``."""
    return [
        sys.executable,
        "-m",
        "sportello.whatsapp.simulator",
        "--port",
        str(port),
        "--webhook",
        webhook_url,
        "--app-secret",
        SIMULATOR_CREDENTIALS["WHATSAPP_APP_SECRET"],
        "--verify-token",
        SIMULATOR_CREDENTIALS["WHATSAPP_VERIFY_TOKEN"],
        "--phone-number-id",
        SIMULATOR_CREDENTIALS["WHATSAPP_PHONE_NUMBER_ID"],
        "--access-token",
        SIMULATOR_CREDENTIALS["WHATSAPP_ACCESS_TOKEN"],
    ]


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
    """A running WhatsApp simulator, action server and Rasa server (with API)."""

    base_url: str
    action_url: str
    simulator_url: str
    token: str
    processes: List[subprocess.Popen[bytes]]
    inbox_url: Optional[str] = None

    @property
    def rasa_pid(self) -> int:
        """Process id of the Rasa server (started last)."""
        return self.processes[-1].pid


def wait_until_up(url: str, processes: List[subprocess.Popen[bytes]], timeout: float) -> None:
    """Waits until ``url`` answers; fails early when one of ``processes`` has exited."""
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
def running_stack(
    model: Path,
    workdir: Path,
    token: str,
    timeout: float = 300,
    *,
    api_url: Optional[str] = None,
    inbox: bool = False,
) -> Iterator[Stack]:
    """Runs the simulator, the action server and Rasa on free ports, with state in ``workdir``.

    The Rasa server uses a SQLite tracker store and WhatsApp store in ``workdir`` and
    its WhatsApp channel talks to the simulator, or to the Graph API base ``api_url``
    (with version) when given. With ``inbox``, the staff inbox runs too, on the same
    state. Logs go to ``workdir/<name>.log``; every process is
    stopped when the context ends.
    """
    simulator_port, action_port, rasa_port, inbox_port = free_port(), free_port(), free_port(), free_port()
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(
        f"action_endpoint:\n  url: http://127.0.0.1:{action_port}/webhook\n"
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {workdir / 'tracker.db'}\n"
    )
    whatsapp = {**SIMULATOR_CREDENTIALS, "WHATSAPP_API_URL": api_url or f"http://127.0.0.1:{simulator_port}/v21.0"}
    env = {**os.environ, **whatsapp, "SPORTELLO_VAR_DIR": str(workdir), "SPORTELLO_API_TOKEN": token}
    commands = {
        "simulator": simulator_command(simulator_port, f"http://127.0.0.1:{rasa_port}/webhooks/whatsapp/webhook"),
        "actions": [RASA, "run", "actions", "--port", str(action_port), "--actions", "actions"],
        **(
            {
                "inbox": [
                    sys.executable,
                    "-m",
                    "sportello.inbox.web",
                    "--port",
                    str(inbox_port),
                    "--rasa-url",
                    f"http://127.0.0.1:{rasa_port}",
                ]
            }
            if inbox
            else {}
        ),
        "rasa": [
            RASA,
            "run",
            "--model",
            str(model),
            "--port",
            str(rasa_port),
            "--credentials",
            "credentials.yml",
            "--endpoints",
            str(endpoints),
            "--enable-api",
            f"--auth-token={token}",
        ],
    }
    processes: List[subprocess.Popen[bytes]] = []
    logs = [open(workdir / f"{name}.log", "wb") for name in commands]
    try:
        for command, log in zip(commands.values(), logs, strict=True):
            processes.append(
                subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
            )
        stack = Stack(
            f"http://127.0.0.1:{rasa_port}",
            f"http://127.0.0.1:{action_port}",
            f"http://127.0.0.1:{simulator_port}",
            token,
            processes,
            f"http://127.0.0.1:{inbox_port}" if inbox else None,
        )
        wait_until_up(f"{stack.simulator_url}/health", processes, timeout)
        wait_until_up(f"{stack.base_url}/status?token={token}", processes, timeout)
        wait_until_up(f"{stack.action_url}/health", processes, timeout)
        if stack.inbox_url:
            wait_until_up(f"{stack.inbox_url}/health", processes, timeout)
        yield stack
    finally:
        stop(processes, logs)


def stop(processes: List[subprocess.Popen[bytes]], logs: List[BinaryIO], timeout: float = 60) -> None:
    """Terminates the processes, waits for them, and closes their log files."""
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=timeout)
    for log in logs:
        log.close()
