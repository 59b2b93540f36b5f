"""Reading NLU example files with where each example is, for messages that point at a line.

Rasa's own loader keeps neither the file nor the line of an example, so the files are
read here with PyYAML's node positions. Examples are split as Rasa splits them: a
block's ``examples: |`` text gives one example per line starting with ``-``, or a list
of ``{text, metadata}`` items.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import yaml
from rasa.shared.nlu.training_data.entities_parser import replace_entities

SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class TrainingExample:
    """One example of an NLU file.

    Attributes:
        path: The file it is in.
        line: Its line in the file (1-based).
        intent: The intent of its block.
        text: The example as written, entity markup included.
        language: The language its block (or the example itself) declares, if any.
        faq: The frequent question of an ``ask_faq`` block, if any.

    """

    path: Path
    line: int
    intent: str
    text: str
    language: Optional[str] = None
    faq: Optional[str] = None

    @property
    def label(self) -> str:
        """What the example teaches: its intent, and for frequent questions which one."""
        return f"{self.intent} (question {self.faq})" if self.faq else self.intent

    @property
    def key(self) -> str:
        """The text compared between examples (see :func:`normalise`)."""
        return normalise(self.text)


def normalise(text: str) -> str:
    """The text without entity markup, in lower case, with single spaces.

    ``[Lavoro](permit_type)``, ``[lavoro]{"entity": ...}`` and ``lavoro`` then compare
    equal: the classifier sees the same words. NFC makes differently composed accents
    (typed on different keyboards) equal too.
    """
    plain = unicodedata.normalize("NFC", replace_entities(text))
    return SPACES.sub(" ", plain).strip().casefold()


def read_examples(path: Path) -> List[TrainingExample]:
    """Every intent example of one NLU file, in file order.

    Raises:
        ValueError: if the file is not YAML (the message names the file and line).

    """
    try:
        loader = yaml.SafeLoader(path.read_text(encoding="utf-8"))
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else {}
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        raise ValueError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("nlu"), list):
        return []
    blocks = _value_node(root, "nlu")
    examples: List[TrainingExample] = []
    for block, node in zip(data["nlu"], blocks.value, strict=True):
        if isinstance(block, dict) and "intent" in block:
            examples.extend(_block_examples(path, block, node))
    return examples


def read_directory(directory: Path) -> List[TrainingExample]:
    """The examples of every ``*.yml`` file of ``directory``, file by file in name order."""
    return [example for path in sorted(directory.glob("*.yml")) for example in read_examples(path)]


def _block_examples(path: Path, block: Dict[str, Any], node: yaml.MappingNode) -> Iterator[TrainingExample]:
    metadata = block.get("metadata") or {}
    intent = str(block["intent"])
    faq = metadata.get("faq")
    examples = block.get("examples")
    if isinstance(examples, str):
        examples_node = _value_node(node, "examples")
        for offset, line in enumerate(examples.splitlines()):
            # An empty "- " line is no message: it would "conflict" with every other one.
            if line.startswith("-") and line[1:].strip():
                yield TrainingExample(
                    path, _text_line(examples_node, offset), intent, line[1:].strip(), metadata.get("language"), faq
                )
    elif isinstance(examples, list):
        for item, item_node in zip(examples, _value_node(node, "examples").value, strict=True):
            if isinstance(item, dict) and item.get("text"):
                own = item.get("metadata") or {}
                yield TrainingExample(
                    path,
                    item_node.start_mark.line + 1,
                    intent,
                    str(item["text"]).strip(),
                    own.get("language") or metadata.get("language"),
                    own.get("faq") or faq,
                )


def _text_line(node: yaml.Node, offset: int) -> int:
    """The file line of line ``offset`` of a multi-line string."""
    if node.style == "|":
        # A literal block keeps its lines, starting on the line after the "|" indicator.
        return node.start_mark.line + 2 + offset
    # A folded or quoted string does not map its lines to the file's: point at its start.
    return node.start_mark.line + 1


def _value_node(mapping: yaml.Node, key: str) -> yaml.Node:
    return next(value for name, value in mapping.value if name.value == key)
