"""Command line: ``python -m sportello.whatsapp.simulator --webhook URL --app-secret S ...``."""

from __future__ import annotations

import argparse
from typing import List, Optional

from aiohttp import web

from sportello.logs import configure
from sportello.whatsapp.simulator.app import SimulatorConfig, build_app


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Returns the parsed command line."""
    parser = argparse.ArgumentParser(
        prog="python -m sportello.whatsapp.simulator",
        description="A local WhatsApp Cloud API (Graph API, webhooks and a chat page) for development and tests.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=5101, help="port to listen on (default: %(default)s)")
    parser.add_argument("--webhook", required=True, help="where webhooks go, e.g. Rasa's /webhooks/whatsapp/webhook")
    parser.add_argument("--app-secret", required=True, help="app secret that signs the webhooks")
    parser.add_argument("--verify-token", required=True, help="token of the GET verification handshake")
    parser.add_argument("--phone-number-id", required=True, help="phone number id in the Graph API paths")
    parser.add_argument("--access-token", required=True, help="Bearer token the bot must send")
    parser.add_argument(
        "--duplicate-rate", type=_rate, default=0.0, help="chance that a delivered webhook is posted again (0 to 1)"
    )
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    """Runs the simulator until interrupted."""
    args = parse_args(argv)
    configure()
    config = SimulatorConfig(
        webhook_url=args.webhook,
        app_secret=args.app_secret,
        verify_token=args.verify_token,
        phone_number_id=args.phone_number_id,
        access_token=args.access_token,
        duplicate_rate=args.duplicate_rate,
    )
    print(f"WhatsApp simulator: chat page at http://{args.host}:{args.port}/")
    # No access log: its request lines would hold users' phone numbers.
    web.run_app(build_app(config), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
