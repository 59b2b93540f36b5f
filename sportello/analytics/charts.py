"""Server-drawn SVG charts for the dashboard: horizontal bars, stacked columns, a line.

Plain SVG inside the page: every text is escaped, colours are presentation
attributes, and there is no script and no style attribute, so the charts render
under the inbox's Content-Security-Policy. Every bar and point carries a ``<title>``
(shown on hover, read by screen readers) with its label and value.
"""

from __future__ import annotations

import math
import re
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from markupsafe import Markup, escape

from sportello.analytics.figures import Figures
from sportello.knowledge.answers import library

PALETTE = ("#0b3d66", "#e07b39", "#4f9d69", "#b0413e", "#7d5ba6", "#2a9db0", "#c9a227", "#5f6b73")
WIDTH = 720
FONT = 'font-family="system-ui, sans-serif" font-size="12"'
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
# Beyond a month of columns, values and most day labels would overlap.
MAX_LABELLED_COLUMNS = 31
MAX_AXIS_LABELS = 12

Format = Callable[[float], str]
# Handoff reasons (sportello/inbox/handoff.py) as staff read them on the dashboard.
REASON_LABELS = {
    "asked": "chiesto dall'utente",
    "not_understood": "non capito due volte",
    "documents": "documenti inviati",
    "judgement": "serve una valutazione",
    "erasure": "cancellazione dei dati",
    "staff": "presa dal personale",
}
# Intents (domain.yml) as staff read them on the dashboard; a test keeps them in step with the domain.
INTENT_LABELS = {
    "greet": "saluto",
    "goodbye": "congedo",
    "thank": "ringraziamento",
    "affirm": "sì",
    "deny": "no",
    "bot_challenge": "sei un robot?",
    "change_language": "cambio di lingua",
    "ask_documents": "documenti necessari",
    "ask_procedure": "come si fa la pratica",
    "ask_cost": "costi",
    "ask_status": "stato della pratica",
    "book_appointment": "prenotare un appuntamento",
    "check_appointment": "controllare l'appuntamento",
    "cancel_appointment": "annullare l'appuntamento",
    "reschedule_appointment": "spostare l'appuntamento",
    "ask_office_info": "contatti e orari dell'ufficio",
    "request_human": "parlare con una persona",
    "request_erasure": "cancellazione dei dati",
    "send_document": "invio di documenti",
    "ask_faq": "domande frequenti",
    "inform": "risposta a una domanda",
    "out_of_scope": "fuori tema",
}
CANCELLED_BY_LABELS = {"applicant": "annullati dall'utente", "staff": "annullati dal personale"}


def permit_name(permit_id: str) -> str:
    """The permit type's Italian name from the knowledge base (its id if the catalogue has none)."""
    permit = library().knowledge.permits.get(permit_id)
    return permit.name["it"] if permit is not None else permit_id


def whole(value: float) -> str:
    """A count as written on the chart."""
    return f"{value:.0f}"


def percent(value: float) -> str:
    """A share from 0 to 1 as a percentage."""
    return f"{value * 100:.0f}%"


def bar_chart(name: str, title: str, items: Sequence[Tuple[str, float]], fmt: Format = whole) -> Markup:
    """Horizontal bars, one per (label, value), longest first as given."""
    value_width, row = 70, 26
    # Room for the longest label (about 7 units a character at the chart's font size), at most half the width.
    label_width = min(max(120, 7 * max((len(label) for label, _ in items), default=0) + 16), WIDTH // 2)
    height = 34 + max(len(items), 1) * row
    parts = _open(name, title, height)
    if not items:
        parts.append(_empty(height))
    biggest = max((value for _, value in items), default=0) or 1
    for index, (label, value) in enumerate(items):
        y = 30 + index * row
        length = (WIDTH - label_width - value_width) * value / biggest
        parts.append(
            f'<g class="bar"><title>{escape(label)}: {escape(fmt(value))}</title>'
            f'<text x="{label_width - 8}" y="{y + 14}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="18" fill="{PALETTE[0]}"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + 14}" class="value">{escape(fmt(value))}</text></g>'
        )
    return _close(parts)


def stacked_columns(
    name: str, title: str, labels: Sequence[str], series: Sequence[Tuple[str, Sequence[int]]]
) -> Markup:
    """One column per label, stacked by series (each series has a value per label), with a legend."""
    left, top, plot_height = 44, 34, 200
    height = top + plot_height + 30 + 22 * math.ceil(max(len(series), 1) / 6)
    parts = _open(name, title, height)
    totals = [sum(values[index] for _, values in series) for index in range(len(labels))]
    scale_top = _nice(max(totals, default=0))
    parts += _grid(left, top, plot_height, scale_top, whole)
    slot = (WIDTH - left - 10) / max(len(labels), 1)
    bottom = top + plot_height
    for index, label in enumerate(labels):
        x = left + index * slot + slot * 0.15
        y = bottom
        for number, (series_name, values) in enumerate(series):
            size = plot_height * values[index] / scale_top
            if values[index]:
                y -= size
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{size:.1f}" '
                    f'fill="{_colour(number)}"><title>{escape(label)} · {escape(series_name)}: '
                    f"{values[index]}</title></rect>"
                )
        centre = x + slot * 0.35
        if len(labels) <= MAX_LABELLED_COLUMNS and totals[index]:
            parts.append(_value(centre, y - 4, str(totals[index])))
        parts.append(_axis_label(index, len(labels), centre, bottom + 16, label))
    for number, (series_name, _) in enumerate(series):
        x = left + (number % 6) * 110
        y = bottom + 34 + (number // 6) * 22
        parts.append(
            f'<g class="legend"><rect x="{x}" y="{y - 10}" width="12" height="12" fill="{_colour(number)}"/>'
            f'<text x="{x + 18}" y="{y}">{escape(series_name)}</text></g>'
        )
    return _close(parts)


def line_chart(name: str, title: str, labels: Sequence[str], values: Sequence[Optional[float]]) -> Markup:
    """Shares from 0 to 1 per label as a line broken where a value is missing (None)."""
    left, top, plot_height = 44, 34, 160
    height = top + plot_height + 30
    parts = _open(name, title, height)
    parts += _grid(left, top, plot_height, 1, percent)
    slot = (WIDTH - left - 10) / max(len(labels), 1)
    bottom = top + plot_height
    runs: List[List[str]] = [[]]
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = left + index * slot + slot / 2
        parts.append(_axis_label(index, len(labels), x, bottom + 16, label))
        if value is None:
            runs.append([])
            continue
        y = bottom - plot_height * value
        runs[-1].append(f"{x:.1f},{y:.1f}")
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{PALETTE[0]}">'
            f"<title>{escape(label)}: {escape(percent(value))}</title></circle>"
        )
        if len(labels) <= MAX_LABELLED_COLUMNS:
            parts.append(_value(x, y - 8, percent(value)))
    for run in runs:
        if len(run) > 1:
            parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>')
    return _close(parts)


def dashboard_charts(figures: Figures) -> Dict[str, Markup]:
    """The dashboard's charts, by the name the page places them under."""
    days = figures.period.days()
    labels = [f"{day:%d/%m}" for day in days]
    series = [(language, [figures.per_day[day].get(language, 0) for day in days]) for language, _ in figures.languages]
    shares = [
        figures.contained_per_day[day] / total if (total := sum(figures.per_day[day].values())) else None
        for day in days
    ]
    reasons = [(REASON_LABELS.get(reason, reason), count) for reason, count in figures.handed_off.items()]
    charts = {
        "per_day": stacked_columns("conversations-per-day", "Conversazioni per giorno e lingua", labels, series),
        "containment": line_chart("containment-per-day", "Risolte senza una persona, per giorno", labels, shares),
        "reasons": bar_chart("handoff-reasons", "Passate a una persona, per motivo", reasons),
        "intents": bar_chart(
            "intents",
            "Le richieste più frequenti (intenti)",
            [(INTENT_LABELS.get(intent, intent), count) for intent, count in figures.intents],
        ),
        "permit_types": bar_chart(
            "permit-types", "Tipi di permesso chiesti", [(permit_name(p), count) for p, count in figures.permit_types]
        ),
    }
    if figures.bookings is not None:
        bookings = [("prenotati", figures.bookings.booked)]
        bookings += [(CANCELLED_BY_LABELS.get(who, who), n) for who, n in figures.bookings.cancelled_by.items()]
        charts["appointments"] = bar_chart("appointments", "Appuntamenti", bookings)
    return charts


def _open(name: str, title: str, height: int) -> List[str]:
    if not _NAME.match(name):
        raise ValueError(f"chart name {name!r}: lower-case letters, digits and '-'")
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{name}" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="{name}-title" {FONT}>'
        f'<title id="{name}-title">{escape(title)}</title>'
        f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>'
    ]


def _close(parts: List[str]) -> Markup:
    # Every text in the parts went through escape().
    return Markup("".join([*parts, "</svg>"]))


def _empty(height: int) -> str:
    return f'<text x="{WIDTH / 2}" y="{height / 2 + 10}" text-anchor="middle" fill="#666">Nessun dato</text>'


def _value(x: float, y: float, text: str) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" class="value">{escape(text)}</text>'


def _grid(left: int, top: int, plot_height: int, scale_top: float, fmt: Format) -> List[str]:
    lines = []
    for step in range(5):
        value = scale_top * step / 4
        y = top + plot_height - plot_height * step / 4
        lines.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - 10}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#666">{escape(fmt(value))}</text>'
        )
    return lines


def _axis_label(index: int, count: int, x: float, y: float, label: str) -> str:
    every = math.ceil(count / MAX_AXIS_LABELS)
    if index % every:
        return ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" fill="#666">{escape(label)}</text>'


def _nice(maximum: float) -> float:
    # The top of the scale: four grid steps of 1, 2 or 5 × 10^n, so that the steps are round numbers.
    magnitude = 1.0
    while True:
        for factor in (1, 2, 5):
            if 4 * factor * magnitude >= maximum:
                return 4 * factor * magnitude
        magnitude *= 10


def _colour(number: int) -> str:
    return PALETTE[number % len(PALETTE)]
