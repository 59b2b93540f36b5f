"""Rasa input channels, referenced by dotted path in credentials.yml."""
