"""Sportello: the multilingual WhatsApp assistant of the Ufficio Immigrazione, Questura di Perugia."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The Rasa project root (config.yml, domain.yml, data/, knowledge/ ...)."""
