import stat

import pytest

from sportello.attachments.storage import FileStorage


def test_save_read_delete(tmp_path):
    storage = FileStorage(tmp_path)
    key = storage.save(b"%PDF-1.7 data", ".pdf")
    assert key.endswith(".pdf")
    assert storage.read(key) == b"%PDF-1.7 data"
    path = tmp_path / key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not list(path.parent.glob(".*.part"))
    storage.delete(key)
    storage.delete(key)  # twice is fine
    with pytest.raises(KeyError):
        storage.read(key)


def test_keys_are_unique(tmp_path):
    storage = FileStorage(tmp_path)
    assert len({storage.save(b"x", ".jpg") for _ in range(50)}) == 50


@pytest.mark.parametrize("key", ["../../etc/passwd", "2026/11/../../x", "/etc/passwd", "2026/11/abc.pdf", ""])
def test_keys_it_did_not_make_are_refused(tmp_path, key):
    storage = FileStorage(tmp_path)
    with pytest.raises(KeyError):
        storage.read(key)
    with pytest.raises(KeyError):
        storage.delete(key)


@pytest.mark.parametrize("extension", ["../x", ".PDF;rm", "pdf", ".toolongext"])
def test_bad_extensions_are_refused(tmp_path, extension):
    with pytest.raises(ValueError):
        FileStorage(tmp_path).save(b"x", extension)
    assert not any(tmp_path.rglob("*"))
