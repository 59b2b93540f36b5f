"""The knowledge base as typed objects; every text is a mapping language -> text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Dict, Optional, Tuple

Text = Dict[str, str]
PROCEDURES = ("rilascio", "rinnovo", "duplicato", "aggiornamento", "conversione")
ROUTES = ("kit", "questura", "sportello_unico")
STATUSES = ("sourced", "to_confirm", "disputed")
FEE_ITEMS = (
    "marca_da_bollo",
    "permit_card",
    "contribution_1y",
    "contribution_2y",
    "contribution_long_term",
    "postal_fee",
)
CONTRIBUTIONS = ("contribution_1y", "contribution_2y", "contribution_long_term")


@dataclass(frozen=True)
class Source:
    """Where a fact comes from."""

    title: str
    url: Optional[str] = None
    date: Optional[str] = None


@dataclass(frozen=True)
class Provenance:
    """Sources, when they were last checked, and how sure the office is."""

    sources: Tuple[Source, ...]
    verified: date
    status: str
    caution: Optional[Text] = None

    @property
    def confirmed(self) -> bool:
        """False when applicants must be told to have the office confirm it."""
        return self.status == "sourced"


@dataclass(frozen=True)
class FeeItem:
    """One payment, with its amount in euro."""

    id: str
    amount: Decimal
    name: Text
    provenance: Provenance


@dataclass(frozen=True)
class Route:
    """Where and how an application is made (kit, Questura, Sportello Unico), step by step."""

    id: str
    name: Text
    steps: Tuple[Text, ...]
    provenance: Provenance


@dataclass(frozen=True)
class Procedure:
    """One procedure (rilascio, rinnovo, ...) of one permit type, or a generic one."""

    id: str
    route: str
    documents: Tuple[Text, ...]
    notes: Tuple[Text, ...]
    provenance: Provenance
    include_base_pack: bool = True
    deadline: Optional[Text] = None


@dataclass(frozen=True)
class Permit:
    """A permit type and the procedures the catalogue answers for it."""

    id: str
    name: Text
    description: Text
    duration: Text
    contributions: Tuple[str, ...]
    pays_fees: bool
    needs_person: bool
    notes: Tuple[Text, ...]
    provenance: Provenance
    procedures: Dict[str, Procedure] = field(default_factory=dict)


@dataclass(frozen=True)
class Faq:
    """A frequent question and its answer."""

    key: str
    question: Text
    answer: Text
    needs_person: bool
    provenance: Provenance


@dataclass(frozen=True)
class Knowledge:
    """Everything in ``knowledge/fees.yml`` and ``knowledge/catalogue.yml``, in every language."""

    languages: Tuple[str, ...]
    fees: Dict[str, FeeItem]
    exemptions: Tuple[Text, ...]
    exemptions_provenance: Provenance
    contribution_rules: Dict[str, str]
    routes: Dict[str, Route]
    steps: Dict[str, Text]
    permits: Dict[str, Permit]
    faqs: Dict[str, Faq]
    # Documents every application needs, and those added when a permit already exists.
    base_pack: Tuple[Text, ...]
    renewal_pack: Tuple[Text, ...]
