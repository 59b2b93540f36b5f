"""The WhatsApp Cloud API connector."""
