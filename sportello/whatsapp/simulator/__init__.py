"""A local WhatsApp that plays Meta for development and end-to-end tests.

It answers the bot's Graph API calls, posts signed webhooks for what users write on
its chat page (or through its JSON API), and reports message statuses. Start it with
``python -m sportello.whatsapp.simulator --help``.
"""

from sportello.whatsapp.simulator.app import SimulatorConfig, build_app

__all__ = ["SimulatorConfig", "build_app"]
