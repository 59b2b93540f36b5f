"""scripts/find-python310.sh: Python 3.10 from PATH or pyenv, never another version."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sportello import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "scripts" / "find-python310.sh"


def fake_pyenv(tmp_path: Path, versions: dict) -> Path:
    """A bin folder with a `pyenv` whose root holds the given versions (name -> interpreter)."""
    root, bin_dir = tmp_path / "pyenv", tmp_path / "bin"
    bin_dir.mkdir()
    for name, interpreter in versions.items():
        target = root / "versions" / name / "bin"
        target.mkdir(parents=True)
        (target / "python3.10").symlink_to(interpreter)
    pyenv = bin_dir / "pyenv"
    pyenv.write_text(f"#!/bin/sh\n[ \"$1\" = root ] && echo {root}\n")
    pyenv.chmod(0o755)
    (bin_dir / "cat").symlink_to("/bin/cat")
    return bin_dir


def run(bin_dir: Path) -> subprocess.CompletedProcess:
    # Only the fake pyenv (and cat) on PATH: a system python3.10 must not interfere.
    env = {**os.environ, "PATH": str(bin_dir)}
    return subprocess.run(["/bin/bash", str(SCRIPT)], env=env, capture_output=True, text=True, check=False)


@pytest.mark.skipif(sys.version_info[:2] != (3, 10), reason="needs the project's Python 3.10 to point at")
def test_finds_python_310_under_pyenv_root(tmp_path):
    result = run(fake_pyenv(tmp_path, {"3.10.99": sys.executable}))
    assert result.returncode == 0
    assert result.stdout.strip().endswith("3.10.99/bin/python3.10")


def test_refuses_other_versions_with_a_clear_message(tmp_path):
    # An interpreter that is not 3.10 named python3.10 must not be accepted either.
    not_310 = tmp_path / "fake-python"
    not_310.write_text("#!/bin/sh\nexit 1\n")
    not_310.chmod(0o755)
    result = run(fake_pyenv(tmp_path, {"3.10.0": str(not_310)}))
    assert result.returncode == 1
    assert "needs Python 3.10" in result.stderr
    assert "pyenv install 3.10" in result.stderr
