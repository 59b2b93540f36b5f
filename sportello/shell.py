"""``make shell``: a terminal chat with the running assistant over the REST channel."""

from __future__ import annotations

import asyncio
import time
import uuid
from urllib.error import URLError
from urllib.request import urlopen

from rasa.core.channels.console import record_messages

SERVER_URL = "http://127.0.0.1:5005"


def wait_for_server(url: str, timeout: float = 300.0) -> None:
    """Blocks until the Rasa server answers (loading a model takes a while)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urlopen(f"{url}/webhooks/rest/", timeout=2):  # noqa: S310 - a fixed local http URL
                return
        except (URLError, OSError):
            if time.monotonic() > deadline:
                raise SystemExit(f"The Rasa server at {url} did not start; see var/rasa.log") from None
            time.sleep(1)


def main() -> None:
    """Waits for the server, then chats until the user types /stop."""
    print("Starting the assistant (first start loads the model: about a minute)...")
    wait_for_server(SERVER_URL)
    asyncio.run(record_messages(sender_id=f"shell-{uuid.uuid4().hex[:8]}", server_url=SERVER_URL))


if __name__ == "__main__":
    main()
