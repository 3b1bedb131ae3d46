"""The saliency methods by name (as torchvision's ``register_model``/``get_model``): each method
module registers its class with :func:`register_method`, so a name is written once, beside its
class; :func:`get_explainer` builds one with its settings as constructor arguments.

The built-in method modules are imported on the first look-up (:data:`BUILTIN_MODULES`, in the
order :func:`list_methods` reports them); importing a method module registers it as well.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from sane_desktop.errors import InputError, NotFound

if TYPE_CHECKING:
    from sane_desktop.explain.base import Explainer, SimilarityModel

# modules of sane_desktop.explain holding the built-in methods (their names are in the modules)
BUILTIN_MODULES = ("fast", "rise", "sliding", "random_baseline")
_METHODS: dict[str, type[Explainer[Any]]] = {}
E = TypeVar("E", bound="type[Explainer[Any]]")


def register_method(name: str) -> Callable[[E], E]:
    """Class decorator: register an :class:`~sane_desktop.explain.base.Explainer` under ``name``
    (and set its ``name``). Registering a taken name raises ``RuntimeError`` (a programming error)."""

    def register(cls: E) -> E:
        if name in _METHODS and _METHODS[name] is not cls:
            raise RuntimeError(f"explanation method {name!r} is registered twice")
        cls.name = name
        _METHODS[name] = cls
        return cls

    return register


def _load_builtins() -> None:
    for module in BUILTIN_MODULES:  # a no-op once imported
        importlib.import_module(f"sane_desktop.explain.{module}")


def list_methods() -> list[str]:
    """Registered method names: the built-in ones first (fast, rise, sliding, random)."""
    _load_builtins()
    builtin = [name for name, cls in _METHODS.items() if cls.__module__.startswith("sane_desktop.explain.")]
    order = {f"sane_desktop.explain.{m}": i for i, m in enumerate(BUILTIN_MODULES)}
    builtin.sort(key=lambda name: order.get(_METHODS[name].__module__, len(order)))
    return builtin + [name for name in _METHODS if name not in builtin]


def method_class(name: str) -> type[Explainer[Any]]:
    """The class registered as ``name``; :class:`~sane_desktop.errors.NotFound` for another name."""
    _load_builtins()
    if name not in _METHODS:
        raise NotFound(f"unknown explanation method {name!r}; choose from {sorted(_METHODS)}")
    return _METHODS[name]


def get_explainer(name: str, model: SimilarityModel, **settings: Any) -> Explainer[Any]:
    """A new explainer of method ``name`` over ``model``; ``settings`` are its constructor's keyword
    arguments (e.g. ``n_masks=500`` for RISE). Raises :class:`~sane_desktop.errors.NotFound` for an
    unknown method and :class:`~sane_desktop.errors.InputError` for a setting it does not take."""
    cls = method_class(name)
    accepted = [p for p in inspect.signature(cls.__init__).parameters.values()
                if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name not in ("self", "model")]
    unknown = sorted(set(settings) - {p.name for p in accepted})
    if unknown:
        raise InputError(f"explanation method {name!r} has no setting {', '.join(unknown)}; "
                         f"its settings: {', '.join(p.name for p in accepted)}")
    return cls(model, **settings)
