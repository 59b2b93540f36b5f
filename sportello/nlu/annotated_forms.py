"""Entity extractor that finds the exact forms trainers annotated, wherever they appear.

The CRF generalises from context but misses some annotated forms in new sentences
(an Arabic permit word seen twice, say). Every annotation in the training data
already tells which words mean which canonical value, so this component learns
those forms and tags them in new messages where the CRF found nothing, when the
message's intent is one the form was annotated under (so "work" in "working hours"
of an office-hours question stays a plain word). Adding a form therefore needs no
lookup table: annotate it once in an example.

It also keeps entity values canonical: a value another extractor took verbatim from
the text ("residence permit", a typo such as "rinovo") is mapped to the canonical
value of the closest annotated form of the same entity, or dropped when none is
close, so that slots only ever hold values the actions know.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter, defaultdict
from typing import Any, Dict, List, Optional, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    INTENT,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from sportello.langid.lexicon import normalise

FORMS_FILE = "forms.json"
SIMILARITY = 0.8
"""How alike (difflib ratio) a surface form must be to a known form to take its value."""
Form = Tuple[str, str, Tuple[str, ...]]
"""(entity type, canonical value, intents of the examples it was annotated in)."""


def learn_forms(examples: List[Message]) -> Dict[str, Form]:
    """The normalised annotated forms, the (entity, value) each most often stands for, and its intents."""
    seen: Dict[str, Counter] = defaultdict(Counter)
    intents: Dict[str, set] = defaultdict(set)
    for example in examples:
        text = example.get(TEXT) or ""
        for entity in example.get(ENTITIES) or []:
            form = normalise(text[entity[ENTITY_ATTRIBUTE_START] : entity[ENTITY_ATTRIBUTE_END]])
            if form:
                seen[form][(entity[ENTITY_ATTRIBUTE_TYPE], str(entity[ENTITY_ATTRIBUTE_VALUE]))] += 1
                intents[form].add(str(example.get(INTENT)))
    forms = {}
    for form, counts in seen.items():
        ranked = counts.most_common(2)
        if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:  # ambiguous forms teach nothing
            (entity, value), _ = ranked[0]
            forms[form] = (entity, value, tuple(sorted(intents[form])))
    return forms


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class AnnotatedFormsExtractor(GraphComponent, EntityExtractorMixin):
    """Tags annotated forms (up to ``max_words`` tokens) that no earlier extractor tagged."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Forms longer than this many tokens are not looked for."""
        return {"max_words": 4}

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        forms: Optional[Dict[str, Form]] = None,
    ) -> None:
        self._max_words = int(config.get("max_words", 4))
        self._model_storage = model_storage
        self._resource = resource
        self._forms = forms or {}
        self._canonical: Dict[str, set] = defaultdict(set)
        self._forms_of: Dict[str, List[str]] = defaultdict(list)
        for form, (entity, value, _) in self._forms.items():
            self._canonical[entity].add(value)
            self._forms_of[entity].append(form)

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> AnnotatedFormsExtractor:
        """Creates an untrained extractor."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> AnnotatedFormsExtractor:
        """Loads the forms learnt at training time."""
        with model_storage.read_from(resource) as directory:
            raw = json.loads((directory / FORMS_FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, {form: (e, v, tuple(i)) for form, (e, v, i) in raw.items()})

    def train(self, training_data: TrainingData) -> Resource:
        """Learns the annotated forms of the training data."""
        forms = learn_forms(training_data.entity_examples)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / FORMS_FILE).write_text(json.dumps(forms, ensure_ascii=False), encoding="utf-8")
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        """Makes earlier entities canonical, then adds known forms that no entity covers."""
        for message in messages:
            earlier = [e for e in map(self._canonical_entity, message.get(ENTITIES) or []) if e]
            message.set(ENTITIES, earlier, add_to_output=True)
            found = self._find(message)
            if found:
                message.set(ENTITIES, earlier + found, add_to_output=True)
        return messages

    def _canonical_entity(self, entity: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        """The entity with a canonical value, or None when its text resembles no known form."""
        kind = entity[ENTITY_ATTRIBUTE_TYPE]
        if kind not in self._canonical or entity[ENTITY_ATTRIBUTE_VALUE] in self._canonical[kind]:
            return entity
        surface = normalise(str(entity[ENTITY_ATTRIBUTE_VALUE]))
        closest = difflib.get_close_matches(surface, self._forms_of[kind], n=1, cutoff=SIMILARITY)
        if not closest:
            return None
        return {**entity, ENTITY_ATTRIBUTE_VALUE: self._forms[closest[0]][1]}

    def _find(self, message: Message) -> List[Dict[str, Any]]:
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        intent = (message.get(INTENT) or {}).get("name")
        taken = [(e[ENTITY_ATTRIBUTE_START], e[ENTITY_ATTRIBUTE_END]) for e in message.get(ENTITIES) or []]
        text, found, index = message.get(TEXT) or "", [], 0
        while index < len(tokens):
            for length in range(min(self._max_words, len(tokens) - index), 0, -1):
                start, end = tokens[index].start, tokens[index + length - 1].end
                form = self._forms.get(normalise(text[start:end]))
                overlaps = any(start < t_end and t_start < end for t_start, t_end in taken)
                if form and intent in form[2] and not overlaps:
                    found.append(self.add_extractor_name([{
                        ENTITY_ATTRIBUTE_TYPE: form[0], ENTITY_ATTRIBUTE_VALUE: form[1],
                        ENTITY_ATTRIBUTE_START: start, ENTITY_ATTRIBUTE_END: end,
                        "confidence_entity": 1.0,
                    }])[0])
                    index += length
                    break
            else:
                index += 1
        return found
