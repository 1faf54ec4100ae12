"""``python -m initspec``: the same as the ``initspec`` command."""

from .cli import run

run()
