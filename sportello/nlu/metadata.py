"""Reading what a training example declares in its metadata (``language``, ``faq``)."""

from __future__ import annotations

from typing import Optional

from rasa.shared.nlu.constants import METADATA, METADATA_EXAMPLE, METADATA_INTENT
from rasa.shared.nlu.training_data.message import Message


def declared(message: Message, key: str) -> Optional[str]:
    """The value of ``key`` in the example's own metadata, else in its intent block's metadata."""
    metadata = message.get(METADATA) or {}
    for level in (METADATA_EXAMPLE, METADATA_INTENT):
        value = (metadata.get(level) or {}).get(key)
        if value:
            return str(value)
    return None
