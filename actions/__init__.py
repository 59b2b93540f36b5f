"""Custom actions served by ``rasa run actions``: thin wrappers around the sportello package."""

from sportello.logs import install_redaction

# The action server's log lines (Rasa's and ours) never carry numbers or codes.
install_redaction()
