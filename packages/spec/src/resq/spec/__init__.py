"""resq.spec: the spec language (schema, loader), shared types and the stage runner."""

from resq.spec.bitconfig import (
    BitConfig,
    BitConfigError,
    ComponentConfig,
    EngineChoice,
    NodeChoice,
    NodeHardware,
    load_bitconfig,
)
from resq.spec.board import Board
from resq.spec.components import COMPONENTS, ComponentName
from resq.spec.errors import ResqError, SpecError, SpecIssue, StageError
from resq.spec.loader import load_spec
from resq.spec.manifest import DatasetManifest
from resq.spec.resources import RESOURCE_KINDS, Resources
from resq.spec.spec import LoadedSpec, Spec

__all__ = [
    "COMPONENTS",
    "RESOURCE_KINDS",
    "BitConfig",
    "BitConfigError",
    "Board",
    "ComponentConfig",
    "ComponentName",
    "DatasetManifest",
    "EngineChoice",
    "LoadedSpec",
    "NodeChoice",
    "NodeHardware",
    "Resources",
    "ResqError",
    "Spec",
    "SpecError",
    "SpecIssue",
    "StageError",
    "load_bitconfig",
    "load_spec",
]
