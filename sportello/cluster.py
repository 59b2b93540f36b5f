"""A local production-profile stack, for the production tests and ``make bench-scale``.

nginx (Debian's package) balances the WhatsApp webhook over several Rasa processes
and the Rasa processes' action calls over several action servers, as
``deploy/nginx.conf`` does on a server; the Rasa processes run on
``endpoints.production.yml`` (PostgreSQL tracker store and event broker, Redis lock
store) with every Sportello store on PostgreSQL; the WhatsApp simulator plays Meta.
Each database is created for the stack and dropped when it stops.
"""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Dict, List, Optional
from urllib.parse import urlsplit

import sqlalchemy as sa

from sportello import PROJECT_ROOT
from sportello.devserver import RASA, SIMULATOR_CREDENTIALS, free_port, simulator_command, wait_until_up

NGINX = "/usr/sbin/nginx"


@dataclass
class Service:
    """One process of the stack: how to start it, where it answers when up, its log."""

    name: str
    command: List[str]
    health_url: str
    process: Optional[subprocess.Popen[bytes]] = None
    log: Optional[BinaryIO] = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        """Whether the process has been started and has not exited."""
        return self.process is not None and self.process.poll() is None


def _nginx_config(
    workdir: Path, front_port: int, actions_port: int, rasa_ports: List[int], action_ports: List[int]
) -> str:
    # The balancing of deploy/nginx.conf, on loopback ports, with its state in workdir.
    rasa = "".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;\n" for port in rasa_ports)
    actions = "".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;\n" for port in action_ports)
    temp = "".join(
        f"    {kind}_temp_path {workdir / ('nginx-' + kind)};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root, nginx's workers would switch to nobody, who cannot enter the work folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}worker_processes 1;\npid {workdir / 'nginx.pid'};\nerror_log {workdir / 'nginx-error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n    access_log off;\n"
        f"{temp}"
        f"    upstream sportello_rasa {{\n{rasa}    }}\n"
        f"    upstream sportello_actions {{\n{actions}    }}\n"
        f"    server {{\n        listen 127.0.0.1:{front_port};\n        client_max_body_size 4m;\n"
        "        location / {\n            proxy_pass http://sportello_rasa;\n"
        "            proxy_next_upstream error timeout http_502 http_503;\n            proxy_read_timeout 300s;\n"
        "        }\n"
        "        location /conversations/ {\n"
        f"            error_log {workdir / 'nginx-error.log'} crit;\n            proxy_pass http://sportello_rasa;\n"
        "            proxy_next_upstream error timeout http_502 http_503;\n"
        "        }\n    }\n"
        f"    server {{\n        listen 127.0.0.1:{actions_port};\n"
        "        location / {\n            proxy_pass http://sportello_actions;\n"
        "            proxy_next_upstream error timeout http_502 http_503;\n            proxy_read_timeout 300s;\n"
        "        }\n    }\n}\n"
    )


class Cluster:
    """nginx, ``rasa_count`` Rasa processes, ``action_count`` action servers and the simulator.

    The Rasa processes send WhatsApp messages to ``api_url`` (default: the simulator's Graph API).
    """

    def __init__(
        self,
        model: Path,
        workdir: Path,
        postgres_url: str,
        redis_url: str,
        token: str,
        rasa_count: int = 2,
        action_count: int = 2,
        api_url: Optional[str] = None,
    ) -> None:
        self.workdir = workdir
        self.token = token
        suffix = uuid.uuid4().hex[:8]
        self.tracker_db, self.events_db, self.stores_db = (
            f"sp_{kind}_{suffix}" for kind in ("tracker", "events", "stores")
        )
        self._postgres_url = postgres_url
        pg, rd = urlsplit(postgres_url), urlsplit(redis_url)
        self._pg_base = f"postgresql://{pg.username or 'postgres'}@{pg.hostname}:{pg.port or 5432}"
        self.stores_url = f"{self._pg_base}/{self.stores_db}"
        self.front_port, actions_port, simulator_port = free_port(), free_port(), free_port()
        self.rasa_ports = [free_port() for _ in range(rasa_count)]
        self.action_ports = [free_port() for _ in range(action_count)]
        self.simulator_url = f"http://127.0.0.1:{simulator_port}"
        self.front_url = f"http://127.0.0.1:{self.front_port}"
        self.env = {
            **os.environ,
            **SIMULATOR_CREDENTIALS,
            "WHATSAPP_API_URL": api_url or f"{self.simulator_url}/v21.0",
            "WHATSAPP_STORE_URL": self.stores_url,
            "WHATSAPP_REDIS_URL": redis_url,
            "SPORTELLO_VAR_DIR": str(workdir),
            "SPORTELLO_API_TOKEN": token,
            "SPORTELLO_ACTION_URL": f"http://127.0.0.1:{actions_port}/webhook",
            "SPORTELLO_PG_HOST": pg.hostname or "127.0.0.1",
            "SPORTELLO_PG_PORT": str(pg.port or 5432),
            "SPORTELLO_PG_USER": pg.username or "postgres",
            "SPORTELLO_PG_PASSWORD": pg.password or "",
            "SPORTELLO_PG_LOGIN_DB": pg.path.lstrip("/") or "postgres",
            "SPORTELLO_PG_TRACKER_DB": self.tracker_db,
            "SPORTELLO_PG_EVENTS_DB": self.events_db,
            "SPORTELLO_REDIS_HOST": rd.hostname or "127.0.0.1",
            "SPORTELLO_REDIS_PORT": str(rd.port or 6379),
            "SPORTELLO_REDIS_LOCK_DB": rd.path.lstrip("/") or "0",
            "SPORTELLO_REDIS_PASSWORD": rd.password or "",
            "SPORTELLO_APPOINTMENTS_DB": self.stores_url,
            "SPORTELLO_INBOX_DB": self.stores_url,
            "SPORTELLO_TRACKER_DB": f"{self._pg_base}/{self.tracker_db}",
            # Logs as deploy/production.env.example sets them: JSON lines, no access log.
            "SPORTELLO_LOG_FORMAT": "json",
            "SANIC_ACCESS_LOG": "false",
        }
        nginx_conf = workdir / "nginx.conf"
        nginx_conf.write_text(_nginx_config(workdir, self.front_port, actions_port, self.rasa_ports, self.action_ports))
        self.nginx = Service(
            "nginx", [NGINX, "-e", str(workdir / "nginx-error.log"), "-c", str(nginx_conf), "-g", "daemon off;"], ""
        )
        self.actions = [
            Service(
                f"actions{i}",
                [
                    RASA,
                    "run",
                    "actions",
                    "--port",
                    str(port),
                    "--actions",
                    "actions",
                    "--logging-config-file",
                    "deploy/logging.yml",
                ],
                f"http://127.0.0.1:{port}/health",
            )
            for i, port in enumerate(self.action_ports)
        ]
        self.rasa = [
            Service(
                f"rasa{i}",
                [
                    RASA,
                    "run",
                    "--model",
                    str(model),
                    "--port",
                    str(port),
                    "--credentials",
                    "credentials.yml",
                    "--endpoints",
                    "endpoints.production.yml",
                    "--enable-api",
                    f"--auth-token={token}",
                ],
                f"http://127.0.0.1:{port}/status?token={token}",
            )
            for i, port in enumerate(self.rasa_ports)
        ]
        self.simulator = Service(
            "simulator",
            simulator_command(simulator_port, f"{self.front_url}/webhooks/whatsapp/webhook"),
            f"{self.simulator_url}/health",
        )

    @property
    def services(self) -> List[Service]:
        """Every process, in start order."""
        return [self.nginx, *self.actions, *self.rasa, self.simulator]

    def rasa_url(self, index: int) -> str:
        """The base URL of one Rasa process (bypassing nginx)."""
        return f"http://127.0.0.1:{self.rasa_ports[index]}"

    def start(self, timeout: float = 300) -> None:
        """Creates the databases and starts every process, Rasa processes one at a time.

        One at a time: on a fresh database the first Rasa process creates its tables, and
        two creating them at once collide (docs/operations.md).
        """
        self._databases(create=True)
        for service in self.services:
            self.start_service(service, timeout)

    def start_service(self, service: Service, timeout: float = 300) -> None:
        """Starts one process (again) and waits until it answers."""
        if service.log is None or service.log.closed:
            service.log = open(self.workdir / f"{service.name}.log", "ab")  # closed by stop_service
        service.process = subprocess.Popen(  # noqa: S603 - our own commands
            service.command, cwd=PROJECT_ROOT, env=self.env, stdout=service.log, stderr=subprocess.STDOUT
        )
        if service.health_url:
            wait_until_up(service.health_url, [service.process], timeout)

    def kill(self, service: Service) -> None:
        """Kills a process at once (SIGKILL), as a crash or an out-of-memory kill would."""
        if service.process is not None:
            service.process.send_signal(signal.SIGKILL)
            service.process.wait(timeout=30)

    def stop_service(self, service: Service, timeout: float = 60) -> None:
        """Stops a process politely (SIGTERM) and closes its log."""
        if service.running and service.process is not None:
            service.process.terminate()
            try:
                service.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                service.process.kill()
                service.process.wait(timeout=timeout)
        if service.log is not None:
            service.log.close()

    def stop(self) -> None:
        """Stops every process and drops the stack's databases."""
        for service in reversed(self.services):
            self.stop_service(service)
        self._databases(create=False)

    def logs(self) -> Dict[str, str]:
        """Every process's log so far, by service name."""
        return {
            path.stem: path.read_text(encoding="utf-8", errors="replace") for path in sorted(self.workdir.glob("*.log"))
        }

    def _databases(self, create: bool) -> None:
        # The tracker database is created by Rasa itself (login_db), and dropped here.
        names = [self.events_db, self.stores_db] if create else [self.tracker_db, self.events_db, self.stores_db]
        admin = sa.create_engine(self._postgres_url, future=True, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in names:
                statement = f'CREATE DATABASE "{name}"' if create else f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
                connection.execute(sa.text(statement))
        admin.dispose()
