"""How applicants check their application: which number, where, and whether a typed number has the right shape.

The assistant does not look the status up (it must not scrape the Polizia di Stato
page); it explains the page and checks only the length of a number: 12 characters
for the assicurata number of the kit's receipt, 10 for the Questura's pratica number
(shared/reference/permits.md, §5).
"""

from __future__ import annotations

from typing import List, Optional

from sportello.knowledge.answers import Library, Message

# The entity the NLU pipeline fills with a typed number (sportello.nlu.application_number).
NUMBER_ENTITY = "application_number"
NUMBER_KINDS = {12: "assicurata", 10: "pratica"}
STATUS_STEP = "status_check"


def status_answer(lib: Library, number: Optional[str], status_page: str, language: str) -> List[Message]:
    """The answer to a status question, with or without a number the applicant typed."""
    if number is None:
        text = "\n\n".join(
            [lib.knowledge.steps[STATUS_STEP][language], lib.labels("status_offer_check", language, url=status_page)]
        )
        return [{"text": text}]
    kind = NUMBER_KINDS.get(len(number))
    if kind is None:
        return [{"text": lib.labels("status_number_wrong", language, length=str(len(number)))}]
    return [{"text": lib.labels(f"status_number_{kind}", language, number=number, url=status_page)}]
