import asyncio
import json
import logging
import os
import re
import subprocess
import sys
from typing import Dict, List

import pytest

from sportello import PROJECT_ROOT
from sportello.devserver import RASA, call, free_port, wait_until_up
from sportello.logs import JsonFormatter, install_redaction
from sportello.privacy import REDACTED

PERSONAL = ("+39 333 123 4567", "RSSMRA85T10A562S", "YA1234567")
# The line Rasa's coloured handler and the text format write: what JSON mode must not leave.
TEXT_LINE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}[ ,]")


def _records(text: str) -> List[Dict[str, object]]:
    """Every line of ``text`` that starts like a JSON object, parsed (failing if one does not parse)."""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def _assert_nothing_personal(text: str) -> None:
    for value in (*PERSONAL, "3331234567", "333 123"):
        assert value not in text


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Runs ``code`` in a fresh interpreter (logging set up from scratch), with ``env`` added."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _exception_record(factory: bool) -> logging.LogRecord:
    make = logging.getLogRecordFactory() if factory else logging.LogRecord
    try:
        raise ValueError(f"passport {PERSONAL[2]}\ncalled from {PERSONAL[0]}")
    except ValueError:
        args = (PERSONAL[1], "città 城市")
        return make("sportello.test", logging.ERROR, __file__, 1, "cf %s, %s", args, sys.exc_info())


@pytest.mark.parametrize("factory", [False, True], ids=["formatter alone", "with the record factory"])
def test_a_record_is_one_line_of_json_with_numbers_redacted(factory):
    install_redaction()
    line = JsonFormatter().format(_exception_record(factory))

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == f"cf {REDACTED}, città 城市"  # unicode kept as it is
    assert "città 城市" in line
    assert entry["exception"].startswith("Traceback (most recent call last):")
    assert entry["exception"].endswith(f"ValueError: passport {REDACTED}\ncalled from {REDACTED}")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])
    assert (entry["level"], entry["logger"], entry["process"]) == ("ERROR", "sportello.test", os.getpid())
    _assert_nothing_personal(line)


def test_only_the_known_fields_are_written():
    install_redaction()
    record = logging.getLogger("sportello.test").makeRecord(
        "sportello.test", logging.INFO, __file__, 1, "booked", (), None, extra={"sender": "393331234567"}
    )
    assert set(json.loads(JsonFormatter().format(record))) == {"time", "level", "logger", "message", "process"}


def test_every_formatter_prints_a_redacted_traceback():
    install_redaction()
    text = logging.Formatter("%(message)s").format(_exception_record(factory=True))
    assert f"ValueError: passport {REDACTED}" in text
    _assert_nothing_personal(text)


LOG_SOMETHING = (
    "import logging; from sportello.logs import configure; configure();"
    "logging.getLogger('sportello.test').warning('call %s', '+39 333 123 4567')"
)


def test_configure_writes_json_lines_when_asked():
    result = _python(LOG_SOMETHING, SPORTELLO_LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    (entry,) = _records(result.stderr)
    assert (entry["logger"], entry["message"]) == ("sportello.test", f"call {REDACTED}")


def test_configure_writes_text_by_default():
    result = _python(LOG_SOMETHING, SPORTELLO_LOG_FORMAT="")
    assert TEXT_LINE.match(result.stderr)
    assert result.stderr.rstrip().endswith(f"WARNING sportello.test: call {REDACTED}")


def test_an_unknown_format_stops_the_process():
    result = _python(LOG_SOMETHING, SPORTELLO_LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "SPORTELLO_LOG_FORMAT is 'xml'" in result.stderr


def test_sanic_loggers_of_the_rasa_server_write_json():
    # What the Rasa server does: the channels (install_redaction) load before the Sanic
    # app, which then sets up its own loggers.
    code = (
        "import logging, sanic.log; from sportello.logs import install_redaction; install_redaction();"
        "from sanic import Sanic; Sanic('sportello_test');"
        "logging.getLogger('sanic.error').error('Exception while handling uri /conversations/393331234567/tracker')"
    )
    result = _python(code, SPORTELLO_LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    (entry,) = _records(result.stderr)
    assert entry["message"] == f"Exception while handling uri /conversations/{REDACTED}/tracker"


def test_deploy_logging_config_loads_and_writes_json():
    code = (
        "import logging, logging.config, yaml;"
        "logging.config.dictConfig(yaml.safe_load(open('deploy/logging.yml')));"
        "logging.getLogger('rasa_sdk.endpoint').info('passport %s', 'YA1234567');"
        "logging.getLogger('sanic.error').error('uri /x?wa=393331234567');"
        "logging.getLogger('sanic.access').info('', extra={'request': 'GET /x?wa=393331234567'})"
    )
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert [(e["logger"], e["message"]) for e in _records(result.stderr)] == [
        ("rasa_sdk.endpoint", f"passport {REDACTED}"),
        ("sanic.error", f"uri /x?wa={REDACTED}"),
    ]
    assert result.stderr.count("\n") == 2  # and nothing else (no access line)


def _production_settings() -> Dict[str, str]:
    settings = (PROJECT_ROOT / "deploy" / "production.env.example").read_text(encoding="utf-8")
    return dict(re.findall(r"^(SPORTELLO_LOG_FORMAT|SANIC_ACCESS_LOG)=(.*)$", settings, re.MULTILINE))


def _production_action_server(port: int) -> List[str]:
    procfile = (PROJECT_ROOT / "deploy" / "Procfile.production").read_text(encoding="utf-8")
    command = re.search(r"^actions1: (.*)$", procfile, re.MULTILINE).group(1).split()
    assert command[:3] == [".venv/bin/rasa", "run", "actions"]
    command[command.index("--port") + 1] = str(port)
    return [RASA, *command[1:]]


def test_the_action_server_of_the_production_profile_writes_redacted_json(tmp_path):
    settings = _production_settings()
    assert settings == {"SPORTELLO_LOG_FORMAT": "json", "SANIC_ACCESS_LOG": "false"}
    port = free_port()
    # Sanic's loggers at INFO too, so that its lines (and its access lines, if they were on) show.
    env = {**os.environ, **settings, "LOG_LEVEL_LIBRARIES": "INFO", "SPORTELLO_VAR_DIR": str(tmp_path)}
    with (tmp_path / "out").open("w+") as out, (tmp_path / "err").open("w+") as err:
        server = subprocess.Popen(
            _production_action_server(port), cwd=PROJECT_ROOT, env=env, stdout=out, stderr=err, text=True
        )
        try:
            wait_until_up(f"http://127.0.0.1:{port}/health?wa=393331234567", [server], timeout=120)
            with pytest.raises(OSError, match="404"):
                call(f"http://127.0.0.1:{port}/webhook", {"next_action": "call +39 333 123 4567", "tracker": {}})
        finally:
            server.terminate()
            server.wait(timeout=60)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()

    _assert_nothing_personal(stdout + stderr)
    assert not any(TEXT_LINE.match(line) for line in (stdout + stderr).splitlines())
    records = _records(stderr)
    assert {"rasa_sdk.endpoint", "rasa_sdk.executor", "sanic.root"} <= {r["logger"] for r in records}
    assert {"level": "ERROR", "message": f"No registered action found for name 'call {REDACTED}'."}.items() <= next(
        r for r in records if r["level"] == "ERROR"
    ).items()


def test_access_lines_carry_the_path_but_never_the_query(caplog):
    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer

    from sportello.logs import PathOnlyAccessLogger

    async def search(_: web.Request) -> web.Response:
        return web.json_response([])

    async def scenario() -> None:
        app = web.Application()
        app.router.add_get("/staff/api/appointments/search", search)
        server = TestServer(app)
        await server.start_server(access_log_class=PathOnlyAccessLogger, access_log=logging.getLogger("access"))
        async with TestClient(server) as client:
            response = await client.get("/staff/api/appointments/search?q=Amina+Haddad")
            assert response.status == 200

    with caplog.at_level(logging.INFO, logger="access"):
        asyncio.run(scenario())
    lines = [record.getMessage() for record in caplog.records if record.name == "access"]
    assert len(lines) == 1 and lines[0].startswith("GET /staff/api/appointments/search 200 ")
    assert "Amina" not in lines[0] and "q=" not in lines[0]
