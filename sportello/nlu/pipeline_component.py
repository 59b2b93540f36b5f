"""A Rasa graph component whose whole model is one scikit-learn pipeline saved with skops.

The intent classifier and the FAQ selector differ only in what they learn from and
what they write on messages; creating, saving and loading (with skops' type check)
live here once.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from sklearn.pipeline import Pipeline

from sportello.nlu.tfidf import load_pipeline, save_pipeline


class PipelineComponent(GraphComponent):
    """Holds the config, the model storage and the fitted pipeline; subclasses name ``model_file``."""

    model_file = ""

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        pipeline: Optional[Pipeline] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._pipeline = pipeline

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PipelineComponent:
        """Creates an untrained component."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> PipelineComponent:
        """Loads the trained component (see tfidf.load_pipeline for what it refuses)."""
        with model_storage.read_from(resource) as directory:
            pipeline = load_pipeline(directory / cls.model_file)
        return cls(config, model_storage, resource, pipeline)

    def _save(self, pipeline: Pipeline) -> Resource:
        """Stores the fitted pipeline as this component's resource."""
        with self._model_storage.write_to(self._resource) as directory:
            save_pipeline(pipeline, directory / self.model_file)
        return self._resource
