"""Reads ``knowledge/`` into `Knowledge`, checking everything a staff edit can break.

The Italian master files hold data and Italian texts; ``translations/<lang>/`` holds
the same tree with only the texts. Every problem is collected with its file and
path (``catalogue.yml: permits.studio.procedures.rinnovo.route: unknown route 'posta'``),
so one run of ``make check-knowledge`` lists them all.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

from sportello.knowledge.model import (
    CONTRIBUTIONS,
    FEE_ITEMS,
    PROCEDURES,
    ROUTES,
    STATUSES,
    Faq,
    FeeItem,
    Knowledge,
    Permit,
    Procedure,
    Provenance,
    Route,
    Source,
    Text,
)

MASTER_FILES = ("fees.yml", "catalogue.yml", "faq.yml")
AMOUNT = re.compile(r"^\d{1,4}\.\d{2}$")
CONTRIBUTION_RULES = ("standard", "exempt", "exempt_if_valid")
GENERIC = "generic"


class KnowledgeError(ValueError):
    """The knowledge files are broken; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


Path_ = Tuple[str, ...]


class _Reader:
    """Walks one master file, pulling each text from the master and every translation."""

    def __init__(
        self, name: str, master: Any, reference: str, translations: Dict[str, Any], problems: List[str]
    ) -> None:
        self.name = name
        self.reference = reference
        self.master = master
        self.translations = translations
        self.problems = problems
        self.text_paths: set = set()
        # Ids each kind of reference ("document", "step") actually points at.
        self.used: Dict[str, set] = {}

    def problem(self, path: Path_, message: str) -> None:
        self.problems.append(f"{self.name}: {'.'.join(path) or '(top)'}: {message}")

    def get(self, path: Path_, kind: type, required: bool = True) -> Any:
        value = _at(self.master, path)
        if value is None:
            if required:
                self.problem(path, "missing")
            return None
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            self.problem(path, f"expected {kind.__name__}, found {type(value).__name__}")
            return None
        return value

    def text(self, path: Path_, required: bool = True) -> Optional[Text]:
        reference = self.get(path, str, required)
        if reference is None:
            return None
        self.text_paths.add(path)
        texts = {self.reference: reference.strip()}
        if not texts[self.reference]:
            self.problem(path, "empty text")
        for language, tree in self.translations.items():
            translated = _at(tree, path)
            if not isinstance(translated, str) or not translated.strip():
                self.problem(path, f"no {language} translation (translations/{language}/{self.name})")
            else:
                texts[language] = translated.strip()
        return texts

    def texts(self, path: Path_) -> Tuple[Text, ...]:
        """A mapping id -> text at ``path`` (optional), in file order."""
        mapping = self.get(path, dict, required=False) or {}
        return tuple(t for key in mapping if (t := self.text((*path, str(key)))) is not None)

    def provenance(self, path: Path_) -> Optional[Provenance]:
        sources = []
        listed = self.get((*path, "sources"), list)
        if listed == []:
            self.problem((*path, "sources"), "at least one source is needed")
        for index, raw in enumerate(listed or []):
            where = (*path, "sources", str(index))
            if not isinstance(raw, dict) or not isinstance(raw.get("title"), str) or not raw["title"].strip():
                self.problem(where, "a source needs a title")
                continue
            unknown = set(raw) - {"title", "url", "date"}
            if unknown:
                self.problem(where, f"unknown keys {sorted(unknown)}")
            url = raw.get("url")
            if url is not None and (not isinstance(url, str) or not url.startswith("https://")):
                self.problem(where, "url must start with https://")
            sources.append(Source(raw["title"], url, str(raw["date"]) if raw.get("date") else None))
        verified = _at(self.master, (*path, "verified"))
        if not isinstance(verified, date):
            self.problem((*path, "verified"), "needs a date (YYYY-MM-DD)")
        elif verified > date.today():
            self.problem((*path, "verified"), "is in the future")
        status = self.get((*path, "status"), str)
        if status is not None and status not in STATUSES:
            self.problem((*path, "status"), f"must be one of {', '.join(STATUSES)}")
        caution = self.text((*path, "caution"), required=status in ("to_confirm", "disputed"))
        if status == "sourced" and caution is not None:
            self.problem((*path, "caution"), "only items to confirm or disputed carry a caution")
        if not sources or not isinstance(verified, date) or status not in STATUSES:
            return None
        return Provenance(tuple(sources), verified, status, caution)

    def ids(self, path: Path_, known: Dict[str, Any], what: str) -> List[str]:
        values = self.get(path, list, required=False) or []
        self.used.setdefault(what, set()).update(values)
        for value in values:
            if value not in known:
                self.problem(path, f"unknown {what} {value!r}")
        return [value for value in values if value in known]

    def unexpected_translation_keys(self) -> None:
        """Reports texts in translation files that the master has no place for (typos in ids)."""
        for language, tree in self.translations.items():
            for path in _leaf_paths(tree):
                if path not in self.text_paths:
                    self.problems.append(
                        f"translations/{language}/{self.name}: {'.'.join(path)}: not a text of the master file"
                    )


def load_knowledge(root: Path, languages: Sequence[str], reference: str = "it") -> Knowledge:
    """Loads and checks the knowledge base; raises KnowledgeError listing every problem.

    Args:
        root: The ``knowledge/`` directory.
        languages: Every supported language; each needs a translation of every text.
        reference: The language of the master files.

    """
    problems: List[str] = []
    others = [language for language in languages if language != reference]
    readers = {}
    for name in MASTER_FILES:
        master = _read(root / name, problems)
        translations = {language: _read(root / "translations" / language / name, problems) for language in others}
        readers[name] = _Reader(name, master, reference, translations, problems)
    fees_reader, catalogue = readers["fees.yml"], readers["catalogue.yml"]
    fees = _fees(fees_reader)
    exemptions = fees_reader.texts(("exemptions", "text"))
    exemptions_provenance = fees_reader.provenance(("exemptions",))
    rules = _contribution_rules(fees_reader)
    documents = {str(key): catalogue.text(("documents", str(key))) for key in catalogue.get(("documents",), dict) or {}}
    steps = {str(key): catalogue.text(("steps", str(key))) for key in catalogue.get(("steps",), dict) or {}}
    base_pack = tuple(documents[d] for d in catalogue.ids(("base_pack", "all"), documents, "document"))
    renewal_pack = tuple(documents[d] for d in catalogue.ids(("base_pack", "renewal"), documents, "document"))
    routes = _routes(catalogue, steps)
    generic = {
        procedure: built
        for procedure in (catalogue.get(("generic_procedures",), dict, required=False) or {})
        if (built := _procedure(catalogue, ("generic_procedures", procedure), procedure, documents, routes))
    }
    permits = _permits(catalogue, documents, routes, generic, fees)
    faqs = _faqs(readers["faq.yml"])
    for reader in readers.values():
        reader.unexpected_translation_keys()
    for path, known, what in ((("documents",), documents, "document"), (("steps",), steps, "step")):
        for key in known:
            if key not in catalogue.used.get(what, set()):
                catalogue.problem((*path, key), "defined but never used")
    if problems or exemptions_provenance is None:
        raise KnowledgeError(problems)
    return Knowledge(
        languages=tuple(languages),
        fees=fees,
        exemptions=exemptions,
        exemptions_provenance=exemptions_provenance,
        contribution_rules=rules,
        routes=routes,
        steps={key: text for key, text in steps.items() if text},
        permits=permits,
        faqs=faqs,
        base_pack=base_pack,
        renewal_pack=renewal_pack,
    )


def _fees(reader: _Reader) -> Dict[str, FeeItem]:
    items = reader.get(("items",), dict) or {}
    for missing in sorted(set(FEE_ITEMS) - set(items)):
        reader.problem(("items", missing), "missing fee item")
    for unknown in sorted(set(items) - set(FEE_ITEMS)):
        reader.problem(("items", str(unknown)), f"unknown fee item (known: {', '.join(FEE_ITEMS)})")
    fees = {}
    for key in FEE_ITEMS:
        if key not in items:
            continue
        path = ("items", key)
        amount = reader.get((*path, "amount"), str)
        if amount is not None and not AMOUNT.match(amount):
            reader.problem((*path, "amount"), f"{amount!r} is not an amount like \"30.46\"")
            amount = None
        name, provenance = reader.text((*path, "name")), reader.provenance(path)
        if amount is not None and name is not None and provenance is not None:
            fees[key] = FeeItem(key, Decimal(amount), name, provenance)
    return fees


def _contribution_rules(reader: _Reader) -> Dict[str, str]:
    rules = {}
    for procedure in PROCEDURES:
        rule = reader.get(("procedure_rules", procedure, "contribution"), str)
        if rule is not None and rule not in CONTRIBUTION_RULES:
            reader.problem(("procedure_rules", procedure, "contribution"), f"must be one of {CONTRIBUTION_RULES}")
        elif rule is not None:
            rules[procedure] = rule
    return rules


def _routes(reader: _Reader, steps: Dict[str, Optional[Text]]) -> Dict[str, Route]:
    routes = {}
    raw = reader.get(("routes",), dict) or {}
    for unknown in sorted(set(raw) - set(ROUTES)):
        reader.problem(("routes", str(unknown)), f"unknown route (known: {', '.join(ROUTES)})")
    for key in ROUTES:
        path = ("routes", key)
        if key not in raw:
            reader.problem(path, "missing route")
            continue
        name = reader.text((*path, "name"))
        ids = reader.ids((*path, "steps"), steps, "step")
        provenance = reader.provenance(path)
        texts = tuple(steps[i] for i in ids)
        if name and provenance and all(texts):
            routes[key] = Route(key, name, texts, provenance)  # type: ignore[arg-type]
    return routes


def _procedure(
    reader: _Reader, path: Path_, procedure: str, documents: Dict[str, Optional[Text]], routes: Dict[str, Route]
) -> Optional[Procedure]:
    if procedure not in PROCEDURES:
        reader.problem(path, f"unknown procedure (known: {', '.join(PROCEDURES)})")
        return None
    route = reader.get((*path, "route"), str)
    if route is not None and route not in ROUTES:
        reader.problem((*path, "route"), f"unknown route {route!r}")
    own = tuple(documents[d] for d in reader.ids((*path, "documents"), documents, "document"))
    include = reader.get((*path, "include_base_pack"), bool)
    notes = reader.texts((*path, "notes"))
    deadline = reader.text((*path, "deadline"), required=False)
    provenance = reader.provenance(path)
    if route not in ROUTES or include is None or provenance is None or not all(own):
        return None
    return Procedure(procedure, route, own, notes, provenance, include, deadline)  # type: ignore[arg-type]


def _permits(
    reader: _Reader,
    documents: Dict[str, Optional[Text]],
    routes: Dict[str, Route],
    generic: Dict[str, Procedure],
    fees: Dict[str, FeeItem],
) -> Dict[str, Permit]:
    permits = {}
    for key in reader.get(("permits",), dict) or {}:
        path = ("permits", str(key))
        name = reader.text((*path, "name"))
        description = reader.text((*path, "description"))
        duration = reader.text((*path, "duration"))
        contributions = reader.get((*path, "contribution"), list) or []
        for item in contributions:
            if item not in CONTRIBUTIONS:
                reader.problem((*path, "contribution"), f"{item!r} is not a contribution ({', '.join(CONTRIBUTIONS)})")
        pays = reader.get((*path, "fees"), str)
        if pays is not None and pays not in ("standard", "none"):
            reader.problem((*path, "fees"), "must be standard or none")
        needs_person = reader.get((*path, "needs_person"), bool)
        notes = reader.texts((*path, "notes"))
        provenance = reader.provenance(path)
        procedures = {}
        raw_procedures = reader.get((*path, "procedures"), dict) or {}
        if not raw_procedures:
            reader.problem((*path, "procedures"), "a permit needs at least one procedure")
        for procedure, entry in raw_procedures.items():
            where = (*path, "procedures", str(procedure))
            if entry == GENERIC:
                if procedure not in generic:
                    reader.problem(where, f"no generic_procedures.{procedure} to use")
                else:
                    procedures[procedure] = generic[procedure]
            elif (built := _procedure(reader, where, str(procedure), documents, routes)) is not None:
                procedures[procedure] = built
        if name and description and duration and provenance and needs_person is not None and pays:
            permits[str(key)] = Permit(
                id=str(key),
                name=name,
                description=description,
                duration=duration,
                contributions=tuple(c for c in contributions if c in fees),
                pays_fees=pays == "standard",
                needs_person=needs_person,
                notes=notes,
                provenance=provenance,
                procedures=procedures,
            )
    return permits


def _faqs(reader: _Reader) -> Dict[str, Faq]:
    faqs = {}
    for key in reader.get(("questions",), dict) or {}:
        path = ("questions", str(key))
        question, answer = reader.text((*path, "question")), reader.text((*path, "answer"))
        needs_person = reader.get((*path, "needs_person"), bool)
        provenance = reader.provenance(path)
        if question and answer and needs_person is not None and provenance:
            faqs[str(key)] = Faq(str(key), question, answer, needs_person, provenance)
    return faqs


def _read(path: Path, problems: List[str]) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.safe_load(handle) or {}
    except FileNotFoundError:
        problems.append(f"{path.name}: file missing ({path})")
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problems.append(f"{path}:{where} not valid YAML: {getattr(error, 'problem', error)}")
    return {}


def _at(tree: Any, path: Path_) -> Any:
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return None
        tree = tree[key]
    return tree


def _leaf_paths(tree: Any, prefix: Path_ = ()) -> List[Path_]:
    if isinstance(tree, dict):
        return [p for key, value in tree.items() for p in _leaf_paths(value, (*prefix, str(key)))]
    return [prefix]

