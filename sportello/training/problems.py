"""A problem found in the training data, worded for the trainer who has to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

from sportello import PROJECT_ROOT


@dataclass(frozen=True)
class Problem:
    """One thing a trainer has to fix (an error) or should look at (a warning).

    Attributes:
        where: The file, with its line when known (``data/nlu/en.yml line 12``).
        subject: What in the file: ``intent greet``, ``response utter_greet``.
        problem: What is wrong.
        fix: What to do about it.
        example: The training example concerned, if any.
        error: False for a warning, which is listed but does not fail the check.

    """

    where: str
    subject: str
    problem: str
    fix: str
    example: Optional[str] = None
    error: bool = True

    def render(self) -> str:
        """The problem as a few indented lines."""
        head = f"{self.where}, {self.subject}"
        if self.example is not None:
            head += f', example "{self.example}"'
        label = "ERROR" if self.error else "WARNING"
        return f"  {label}  {head}\n      problem: {self.problem}\n      what to do: {self.fix}"


def location(path: Path, line: Optional[int] = None) -> str:
    """``path`` relative to the project (as trainers see it), with ``line`` when known."""
    try:
        shown = str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        shown = str(path)
    return f"{shown} line {line}" if line else shown


def errors(problems: List[Problem]) -> List[Problem]:
    """The problems that fail the check."""
    return [problem for problem in problems if problem.error]
