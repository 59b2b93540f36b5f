"""The permit knowledge base staff maintain in ``knowledge/``: loading, checking, fees and answers."""
