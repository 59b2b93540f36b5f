"""Tools for trainers: checks, evaluation against recorded results, review of what was misunderstood.

See docs/trainers.md.
"""
