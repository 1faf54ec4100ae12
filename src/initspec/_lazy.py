"""Modules imported on first use, so that checking configs does not import numpy.

``initspec validate`` on a small file spends most of its time starting Python and importing
libraries; numpy alone costs about as much as everything initspec does. Validating a config and
building its initializer need no numpy (only calling one does), so the modules on that path
name numpy (and ``initspec.sampling``) through :func:`lazy`:

    if TYPE_CHECKING:
        import numpy as np
    else:
        np = lazy("numpy", globals(), "np")

The placeholder imports the module at the first attribute read and then puts the module itself
in the importing module's namespace, so later reads cost what a plain import costs. Code that
only needs to recognize numpy values asks :func:`loaded`: a value cannot be a numpy scalar or
array while numpy is not imported.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any


class _Lazy(ModuleType):
    """A stand-in for a module, replaced by it at the first attribute read."""

    def __init__(self, name: str, namespace: dict[str, Any], alias: str) -> None:
        super().__init__(name)
        self._initspec_lazy = (namespace, alias)

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("_initspec_lazy"):
            raise AttributeError(attribute)
        module = importlib.import_module(self.__name__)
        namespace, alias = self._initspec_lazy
        if namespace.get(alias) is self:
            namespace[alias] = module  # later reads go to the module directly
        return getattr(module, attribute)

    def __repr__(self) -> str:
        return f"<module {self.__name__!r}, imported on first use>"


def lazy(name: str, namespace: dict[str, Any], alias: str) -> ModuleType:
    """A stand-in for module ``name``, bound to ``alias`` in ``namespace`` (a ``globals()``).

    >>> namespace = {}
    >>> namespace["js"] = lazy("json", namespace, "js")
    >>> namespace["js"].dumps([1])  # imports json and puts it in place of the stand-in
    '[1]'
    >>> namespace["js"] is sys.modules["json"]
    True
    """
    return sys.modules.get(name) or _Lazy(name, namespace, alias)


def loaded(name: str) -> Any:
    """Module ``name`` if it is imported, else None (then no value can be one of its types).

    While another thread is importing it, this waits for that import to finish (the module in
    ``sys.modules`` does not have all its names yet).

    >>> loaded("initspec._lazy").__name__
    'initspec._lazy'
    """
    module = sys.modules.get(name)
    if module is not None and getattr(getattr(module, "__spec__", None), "_initializing", False):
        module = importlib.import_module(name)  # takes the module's import lock: waits
    return module
