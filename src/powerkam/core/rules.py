"""The kinds of append-only rules documents (outage, tariff, health, renewables rules …): a registry.

Each app whose rules are a :class:`~powerkam.core.models.RulesVersion` declares its kind here from its
``AppConfig.ready()`` — the model, the service that saves a new version and the permission action that
reads and changes them — by name, so nothing is imported at start-up. ``GET/POST /api/v1/rules/{kind}``
(:mod:`powerkam.api.rules`) serves every declared kind without importing the apps that own them
(docs/architecture.md, "Layers").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from powerkam.core.models import RulesVersion


@dataclass(frozen=True)
class RulesKind:
    #: ``app_label.ModelName`` of the app's :class:`~powerkam.core.models.RulesVersion`
    model_name: str
    #: dotted path of the app's service: ``save(rules_toml=, note=, by=, based_on=)`` → the new version
    save_path: str
    #: the permission action that reads and changes these rules (docs/permissions.md)
    action: str

    @property
    def model(self) -> type[RulesVersion]:
        model: type[RulesVersion] = apps.get_model(self.model_name)
        return model

    @property
    def save(self) -> Callable[..., RulesVersion]:
        save: Callable[..., Any] = import_string(self.save_path)
        return save


_KINDS: dict[str, RulesKind] = {}


def register(kind: str, *, model: str, save: str, action: str) -> None:
    """Declare the rules ``kind`` (the name in the API's path)."""
    _KINDS[kind] = RulesKind(model, save, action)


def get(kind: str) -> RulesKind | None:
    """The declared kind, None when no app declared it."""
    return _KINDS.get(kind)
