"""The staff side: an HTTP API (and, with the handoff work, the web inbox) beside the assistant."""
