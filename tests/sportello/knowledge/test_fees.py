from decimal import Decimal

import pytest

from sportello.knowledge.fees import compute_fees


def totals(breakdown):
    return [(option.case, option.total) for option in breakdown.options]


def test_a_work_renewal_by_kit_depends_on_the_permit_length(knowledge):
    # The reference's kit totals: 116.46 (up to 1 year), 126.46 (1-2 years).
    assert totals(compute_fees(knowledge, "lavoro_subordinato", "rinnovo")) == [
        ("contribution_1y", Decimal("116.46")),
        ("contribution_2y", Decimal("126.46")),
    ]


def test_eu_long_term_by_kit(knowledge):
    [option] = compute_fees(knowledge, "ue_lungo_periodo", "rilascio").options
    assert option.total == Decimal("176.46")
    expected = ["marca_da_bollo", "permit_card", "postal_fee", "contribution_long_term"]
    assert [item.id for item in option.items] == expected


def test_a_duplicate_waives_the_contribution_only_for_a_valid_permit(knowledge):
    assert totals(compute_fees(knowledge, "studio", "duplicato")) == [
        ("valid", Decimal("76.46")),
        ("expired", Decimal("116.46")),
    ]


def test_protection_pays_no_contribution_and_no_postal_fee_at_the_questura(knowledge):
    assert totals(compute_fees(knowledge, "protezione_internazionale", "rinnovo")) == [(None, Decimal("46.46"))]


def test_asylum_seekers_pay_nothing(knowledge):
    assert compute_fees(knowledge, "richiesta_asilo", "rilascio").free


def test_an_unknown_combination_is_a_key_error(knowledge):
    with pytest.raises(KeyError):
        compute_fees(knowledge, "ue_lungo_periodo", "conversione")
