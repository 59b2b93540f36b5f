"""Small NLU files written for the tests of the trainers' tools."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional

import yaml


def write_nlu(path: Path, language: Optional[str], blocks: Dict[str, List[str]], faq: Optional[str] = None) -> Path:
    """An NLU file with one block per intent (examples written as Rasa's multi-line text)."""
    entries = []
    for intent, examples in blocks.items():
        metadata = {key: value for key, value in (("language", language), ("faq", faq)) if value}
        entry = {"intent": intent, **({"metadata": metadata} if metadata else {})}
        entry["examples"] = "".join(f"- {example}\n" for example in examples)
        entries.append(entry)
    path.parent.mkdir(parents=True, exist_ok=True)

    def literal(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
        style = "|" if "\n" in text else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)

    dumper = type("Dumper", (yaml.SafeDumper,), {})
    dumper.add_representer(str, literal)
    path.write_text(yaml.dump({"version": "3.1", "nlu": entries}, Dumper=dumper, allow_unicode=True,
                              sort_keys=False), encoding="utf-8")
    return path
