"""Find the installed stages and `spec` subcommands through Python entry points."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib.metadata import entry_points
from typing import Any

import click
from resq.spec.errors import StageError
from resq.spec.spec import LoadedSpec
from resq.spec.stage import ENTRY_POINT_GROUP, Stage, StageContext


def _loaded(group: str, what: str) -> Iterator[tuple[str, str, Any]]:
    """(name, provider, loaded object) of every entry point of `group`; StageError names the
    `what` (stage, command) and its provider when one cannot be loaded."""
    for point in entry_points(group=group):
        provider = f"{point.dist.name} {point.dist.version}" if point.dist else point.value
        try:
            loaded = point.load()
        except Exception as e:
            raise StageError(f"{what} {point.name!r} from {provider} cannot be loaded: {e}") from e
        yield point.name, provider, loaded


class UnavailableStage(Stage):
    """An installed stage whose module cannot be imported (e.g. resq-optimizer where torch is
    missing): the other stages still run, and selecting this one is refused with the reason."""

    name = "unavailable"

    def __init__(self, name: str, provider: str, reason: str) -> None:
        self.stage_name, self.provider, self.reason = name, provider, reason

    def preflight(self, loaded: LoadedSpec) -> str | None:
        return f"stage {self.stage_name!r} of {self.provider} cannot be loaded: {self.reason}"

    def run(self, context: StageContext) -> dict[str, Any]:
        raise StageError(f"stage {self.stage_name!r} of {self.provider} cannot be loaded: "
                         f"{self.reason}")  # fmt: skip


def discover_stages(group: str = ENTRY_POINT_GROUP) -> dict[str, Stage]:
    """Instantiate every `Stage` subclass registered under `group`, keyed by stage name; one
    whose module raises ImportError becomes an `UnavailableStage` that says why.

    Raises `StageError` when an entry point cannot be loaded otherwise, is not a Stage
    subclass, is named differently from its stage, or when two distributions provide one
    stage.
    """
    found: dict[str, Stage] = {}
    for point in entry_points(group=group):
        provider = f"{point.dist.name} {point.dist.version}" if point.dist else point.value
        try:
            loaded = point.load()
        except ImportError as e:
            found[point.name] = UnavailableStage(point.name, provider, str(e))
            continue
        except Exception as e:
            raise StageError(f"stage {point.name!r} from {provider} cannot be loaded: {e}") from e
        name = point.name
        if not (isinstance(loaded, type) and issubclass(loaded, Stage)):
            raise StageError(f"entry point {name!r} of {provider} is not a Stage subclass")
        if loaded.name != name:
            raise StageError(f"entry point {name!r} of {provider} names stage {loaded.name!r}")
        if name in found:
            raise StageError(
                f"stage {name!r} is provided twice: by {found[name].provider} "
                f"and by {provider}; uninstall one"
            )
        stage = loaded()
        stage.provider = provider
        found[name] = stage
    return found


COMMAND_GROUP = "resq.commands"
"""Entry-point group of `spec` subcommands that packages add (e.g. `kdb` of resq-estimator)."""


def discover_commands(group: str = COMMAND_GROUP) -> dict[str, click.Command]:
    """Every click command registered under `group`, by entry-point name. Raises StageError
    when one cannot be loaded or is not a click command."""
    found: dict[str, click.Command] = {}
    for name, provider, loaded in _loaded(group, "command"):
        if not isinstance(loaded, click.Command):
            raise StageError(f"entry point {name!r} of {provider} is not a click command")
        found[name] = loaded
    return found


CHECK_GROUP = "resq.checks"
"""Entry-point group of checks `spec validate` runs on a loaded spec: callables
(LoadedSpec) → (errors, warnings), lines that name a file and a place in it (e.g. the data
files' first rows, resq.spec.data.inspect_data). They must import quickly: no torch."""

Check = Callable[[LoadedSpec], tuple[list[str], list[str]]]


def discover_checks(group: str = CHECK_GROUP) -> dict[str, Check]:
    """Every check registered under `group`, by entry-point name."""
    found: dict[str, Check] = {}
    for name, provider, loaded in _loaded(group, "check"):
        if not callable(loaded):
            raise StageError(f"entry point {name!r} of {provider} is not callable")
        found[name] = loaded
    return found
