"""The fees an applicant pays, computed from ``knowledge/fees.yml`` for a permit and procedure.

Every application pays the 16 EUR marca da bollo and the electronic card on the
bollettino; most also pay a contribution that depends on the permit (and sometimes
on its length, so the answer shows each possibility); the kit adds Poste's fee.
Some procedures waive the contribution only while the permit is still valid, so the
answer then shows both cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Optional, Tuple

from sportello.knowledge.model import FeeItem, Knowledge

ALWAYS = ("marca_da_bollo", "permit_card")


@dataclass(frozen=True)
class FeeOption:
    """One set of payments and its total; ``case`` says when it applies (None: always)."""

    items: Tuple[FeeItem, ...]
    case: Optional[str] = None  # "valid" or "expired" (the permit), or the contribution id when it depends on length

    @property
    def total(self) -> Decimal:
        """The sum of the items."""
        return sum((item.amount for item in self.items), Decimal("0.00"))


@dataclass(frozen=True)
class FeeBreakdown:
    """What an application costs: no options means it costs nothing."""

    options: Tuple[FeeOption, ...]

    @property
    def free(self) -> bool:
        """True when nothing is paid."""
        return not self.options


def compute_fees(knowledge: Knowledge, permit_id: str, procedure_id: str) -> FeeBreakdown:
    """The fees for ``procedure_id`` of ``permit_id``; raises KeyError for an unknown combination."""
    permit = knowledge.permits[permit_id]
    procedure = permit.procedures[procedure_id]
    if not permit.pays_fees:
        return FeeBreakdown(())
    base = tuple(knowledge.fees[item] for item in ALWAYS)
    if procedure.route == "kit":
        base = (*base, knowledge.fees["postal_fee"])
    contributions = tuple(knowledge.fees[item] for item in permit.contributions)
    rule = knowledge.contribution_rules.get(procedure_id, "standard")
    if not contributions or rule == "exempt":
        return FeeBreakdown((FeeOption(base),))
    with_contribution = tuple(
        FeeOption((*base, item), item.id if len(contributions) > 1 else None) for item in contributions
    )
    if rule == "exempt_if_valid":
        expired = tuple(FeeOption(option.items, "expired") for option in with_contribution)
        return FeeBreakdown((FeeOption(base, "valid"), *expired))
    return FeeBreakdown(with_contribution)
