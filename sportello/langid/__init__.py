"""Language identification: a Unicode-script rule in front of a pluggable statistical detector."""

from sportello.langid.identifier import Detection, LanguageIdentifier, make_identifier

__all__ = ["Detection", "LanguageIdentifier", "make_identifier"]
