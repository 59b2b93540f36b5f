"""Answers to "which documents", "how much" and "how do I apply", built from the knowledge base.

Each answer names the permit and procedure it is for, shows what the office has not
confirmed with a caution, and ends with its sources and the date they were checked.
When the permit type or the procedure is not known yet, the answer is the question
for it, as buttons whose payloads repeat the original question with the choice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, Dict, List, Optional, Tuple

from sportello import PROJECT_ROOT
from sportello.knowledge.fees import FeeBreakdown, compute_fees
from sportello.knowledge.labels import Labels, load_labels
from sportello.knowledge.loader import load_knowledge
from sportello.knowledge.model import PROCEDURES, Knowledge, Permit, Procedure, Provenance
from sportello.languages import load_registry

Message = Dict[str, Any]
KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
# The question each answer kind replies to (its intent), in the order the menu shows them.
INTENTS = {"documents": "ask_documents", "cost": "ask_cost", "procedure": "ask_procedure"}
# The entity a "did you mean" button sets to name a frequent question.
FAQ_ENTITY = "faq_key"


@dataclass(frozen=True)
class Library:
    """The knowledge base and its labels, loaded once per process."""

    knowledge: Knowledge
    labels: Labels


@cache
def library() -> Library:
    """Loads ``knowledge/`` for every supported language (raises if a staff edit broke it)."""
    registry = load_registry()
    return Library(
        load_knowledge(KNOWLEDGE_DIR, registry.codes, registry.reference),
        load_labels(KNOWLEDGE_DIR / "labels.yml", registry.codes, registry.reference),
    )


def answer(
    lib: Library, kind: str, permit_id: Optional[str], procedure_id: Optional[str], language: str
) -> Tuple[List[Message], bool]:
    """The messages answering ``kind`` for the case; True with them when they ask for a missing part."""
    permit = lib.knowledge.permits.get(permit_id or "")
    if permit is None:
        return [ask_permit(lib, INTENTS[kind], language)], True
    procedure = permit.procedures.get(procedure_id or "")
    if procedure is None:
        return [ask_procedure(lib, INTENTS[kind], permit, language)], True
    body = {"documents": _documents, "cost": _cost, "procedure": _steps}[kind](lib, permit, procedure, language)
    return [*body, _closing(lib, permit, procedure, language)], False


def faq_answer(lib: Library, key: str, language: str) -> Message:
    """The answer to a frequent question, with its cautions, the offer of a person where needed, and sources."""
    faq = lib.knowledge.faqs[key]
    lines = [f"*{faq.question[language]}*", faq.answer[language]]
    cautions = _cautions(lib, (faq.provenance,), language)
    if cautions:
        lines += ["", *cautions]
    if faq.needs_person:
        lines += ["", lib.labels("needs_person", language)]
    lines += ["", _source_line(lib, (faq.provenance,), language)]
    buttons = [{"title": lib.labels("button_human", language), "payload": "/request_human"}]
    return {"text": "\n".join(lines), "buttons": buttons}


def faq_choices(lib: Library, keys: List[str], language: str) -> Message:
    """"Did you mean ...?" for an uncertain frequent question: one button per likely question."""
    buttons = [
        {"title": lib.knowledge.faqs[key].question[language], "payload": "/ask_faq" + json.dumps({FAQ_ENTITY: key})}
        for key in keys
        if key in lib.knowledge.faqs
    ]
    return {"text": lib.labels("faq_choices", language), "buttons": buttons}


def ask_permit(lib: Library, intent: str, language: str) -> Message:
    """Which permit? One button per permit type in the catalogue; each payload is ``intent`` with the choice."""
    buttons = [
        {"title": permit.name[language], "payload": payload(intent, permit_type=permit.id)}
        for permit in lib.knowledge.permits.values()
    ]
    return {"text": lib.labels("ask_permit", language), "buttons": buttons}


def ask_procedure(lib: Library, intent: str, permit: Permit, language: str) -> Message:
    """Which procedure? One button per procedure the catalogue offers for ``permit``, as ``intent`` payloads."""
    buttons = [
        {
            "title": lib.labels(f"procedure_{procedure}", language).capitalize(),
            "payload": payload(intent, permit_type=permit.id, procedure=procedure),
        }
        for procedure in PROCEDURES
        if procedure in permit.procedures
    ]
    return {"text": lib.labels("ask_procedure", language, permit=permit.name[language]), "buttons": buttons}


def format_amount(amount: Decimal) -> str:
    """Euro as written on Italian payment slips: 116,46 €."""
    return f"{amount:.2f}".replace(".", ",") + " €"


def payload(intent: str, **entities: str) -> str:
    """A button payload: the intent and its entities, as the channel will sign it."""
    return f"/{intent}" + (json.dumps(entities, separators=(",", ":")) if entities else "")


def _heading(lib: Library, key: str, permit: Permit, procedure: Procedure, language: str) -> str:
    name = lib.labels(f"procedure_{procedure.id}", language)
    return "*" + lib.labels(key, language, permit=permit.name[language], procedure=name) + "*"


def _documents(lib: Library, permit: Permit, procedure: Procedure, language: str) -> List[Message]:
    documents = list(procedure.documents)
    if procedure.include_base_pack:
        documents = [*lib.knowledge.base_pack, *documents]
        if procedure.id != "rilascio":
            documents[1:1] = lib.knowledge.renewal_pack
    lines = [_heading(lib, "documents_title", permit, procedure, language)]
    lines += [f"• {document[language]}" for document in documents]
    route = lib.knowledge.routes[procedure.route]
    lines += ["", lib.labels("where", language, route=route.name[language])]
    lines += _fee_lines(lib, compute_fees(lib.knowledge, permit.id, procedure.id), language, detailed=False)
    return [{"text": "\n".join(lines)}]


def _cost(lib: Library, permit: Permit, procedure: Procedure, language: str) -> List[Message]:
    breakdown = compute_fees(lib.knowledge, permit.id, procedure.id)
    lines = [_heading(lib, "fees_title", permit, procedure, language)]
    lines += _fee_lines(lib, breakdown, language, detailed=True)
    if not breakdown.free and any(option.case for option in breakdown.options):
        lines += ["", lib.labels("notes_title", language)]
        lines += [f"• {text[language]}" for text in lib.knowledge.exemptions]
    return [{"text": "\n".join(lines)}]


def _fee_lines(lib: Library, breakdown: FeeBreakdown, language: str, detailed: bool) -> List[str]:
    if breakdown.free:
        return [lib.labels("free", language)]
    lines: List[str] = []
    for option in breakdown.options:
        if option.case in ("valid", "expired"):
            lines.append(lib.labels(f"case_{option.case}", language))
        elif option.case:
            lines.append(lib.labels("case_contribution", language, item=lib.knowledge.fees[option.case].name[language]))
        if detailed:
            lines += [f"• {format_amount(item.amount)}: {item.name[language]}" for item in option.items]
        lines.append(lib.labels("total", language, amount=format_amount(option.total)))
    return lines


def _steps(lib: Library, permit: Permit, procedure: Procedure, language: str) -> List[Message]:
    route = lib.knowledge.routes[procedure.route]
    lines = [_heading(lib, "steps_title", permit, procedure, language), route.name[language], ""]
    lines += [f"{number}. {step[language]}" for number, step in enumerate(route.steps, start=1)]
    if procedure.deadline:
        lines += ["", procedure.deadline[language]]
    return [{"text": "\n".join(lines)}]


def _closing(lib: Library, permit: Permit, procedure: Procedure, language: str) -> Message:
    """Notes, cautions, the offer of a person where judgement is needed, sources; then the next steps."""
    lines = [lib.labels("duration", language, duration=permit.duration[language])]
    notes = [*permit.notes, *procedure.notes]
    if notes:
        lines += ["", lib.labels("notes_title", language), *[f"• {note[language]}" for note in notes]]
    route = lib.knowledge.routes[procedure.route]
    fees = compute_fees(lib.knowledge, permit.id, procedure.id)
    charged = {item.id: item for option in fees.options for item in option.items}
    provenances = (permit.provenance, procedure.provenance, route.provenance)
    cautions = _cautions(lib, provenances + tuple(item.provenance for item in charged.values()), language)
    if cautions:
        lines += ["", *cautions]
    if permit.needs_person:
        lines += ["", lib.labels("needs_person", language)]
    lines += ["", _source_line(lib, provenances, language)]
    buttons = [
        {"title": lib.labels("button_book", language), "payload": "/book_appointment"},
        {"title": lib.labels("button_human", language), "payload": "/request_human"},
        {"title": lib.labels("button_other_permit", language), "payload": "/ask_documents"},
    ]
    return {"text": "\n".join(lines), "buttons": buttons}


def _cautions(lib: Library, provenances: Tuple[Provenance, ...], language: str) -> List[str]:
    seen: List[str] = []
    for provenance in provenances:
        if provenance.caution and provenance.caution[language] not in seen:
            seen.append(provenance.caution[language])
    return [lib.labels("caution", language, text=text) for text in seen]


def _source_line(lib: Library, provenances: Tuple[Provenance, ...], language: str) -> str:
    titles: List[str] = []
    for provenance in provenances:
        for source in provenance.sources:
            shown = source.url or source.title
            if shown not in titles:
                titles.append(shown)
    checked = min(provenance.verified for provenance in provenances)
    return lib.labels("source", language, sources="; ".join(titles[:3]), date=checked.strftime("%d/%m/%Y"))
