import shutil
from pathlib import Path

import pytest
import yaml

from sportello import PROJECT_ROOT
from sportello.knowledge.loader import load_knowledge

LANGUAGES = ["it", "en"]


@pytest.fixture
def knowledge_dir(tmp_path) -> Path:
    """A copy of the Italian master and its English translation, to break at will."""
    root = tmp_path / "knowledge"
    (root / "translations").mkdir(parents=True)
    for name in ("fees.yml", "catalogue.yml", "faq.yml"):
        shutil.copy(PROJECT_ROOT / "knowledge" / name, root / name)
    shutil.copytree(PROJECT_ROOT / "knowledge" / "translations" / "en", root / "translations" / "en")
    return root


@pytest.fixture
def knowledge(knowledge_dir):
    return load_knowledge(knowledge_dir, LANGUAGES)


def edit(path: Path, change) -> None:
    """Loads a YAML file, lets ``change`` modify the data, writes it back."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
