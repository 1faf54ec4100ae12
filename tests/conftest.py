"""Shared pytest configuration and fixtures.

The test layout: ``test_*.py`` are the tests; ``helpers.py`` holds the independent oracles and
builders they share (RFC 6901 pointers, error-record checks, config and file builders);
``strategies.py`` the Hypothesis strategies; ``corpus.py`` the hostile inputs of
``test_security.py``; ``programs/`` the programs tests run as subprocesses (they are not test
modules, so pytest does not collect or import them); ``fixtures/`` the Keras model files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import DENSE_MODEL, write_h5

#: Programs run as subprocesses (``python tests/programs/x.py ...``), never imported by pytest.
collect_ignore = ["programs"]


@pytest.fixture
def dense_h5(tmp_path: Path) -> Path:
    """The small Dense model (``helpers.DENSE_MODEL``) as a Keras ``.h5`` file."""
    return write_h5(tmp_path / "model.h5", json.dumps(DENSE_MODEL))
