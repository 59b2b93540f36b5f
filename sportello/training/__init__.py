"""Tools for trainers: checks, evaluation against the last results, and review of what the assistant did not understand."""
