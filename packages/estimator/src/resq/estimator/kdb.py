"""The knowledge database: measured resources of IP blocks, per part family and toolchain.

A `ProfilePoint` is one block of cores/ (`linear`, `add`, `batchnorm`, `gap`, `attention`,
`buffer`, `rom`) with every generic it was synthesized with; its `key` is a digest of both.
A `KdbEntry` adds what the synthesis measured and the digest of the block's sources at that
time (`resq.hdlgen.cores.ip_digest`): when the sources change, the entry is stale and is
profiled again. A `KnowledgeBase` holds the entries of one part family and one toolchain
(route and tool versions), and is stored as one JSON file named after both,
`<family>-<route>-<tool>-<version>….json`.

While a sweep runs, each result is appended to a journal beside the file (one JSON line,
flushed and synced), so a killed sweep loses at most the line being written; `load_kdb`
merges the journal and `save_kdb` writes the file atomically and removes the journal.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from resq.spec import Resources, ResqError
from resq.spec.atomic import write_json_atomic
from resq.spec.model import TransformerModel

KDB_FORMAT = 1
"""The version of the file layout; a file of another version is refused."""

SHIPPED = Path(__file__).parent / "data"
"""The knowledge bases shipped in the package."""


def kdb_home() -> Path:
    """Where knowledge bases are read from: `RESQ_KDB_HOME` when set, else `SHIPPED`."""
    home = os.environ.get("RESQ_KDB_HOME")
    return Path(home) if home else SHIPPED


def kdb_digest() -> str:
    """16 hex digits of the knowledge bases in `kdb_home()`, names and contents: part of the
    cache key of stages that read them."""
    digest = hashlib.sha256()
    for path in sorted(kdb_home().glob("*.json")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


Generic = int | str | bool
Route = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$")]
"""The name of a synthesis route (resq.deploy.route: yosys, vivado, or a plug-in's)."""
DEFAULT_ROUTE = "yosys"


class KdbError(ResqError):
    """A knowledge-database file that cannot be read or does not match what is asked."""


class Toolchain(BaseModel):
    """How entries were measured: the route and the version of each tool on it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    route: Route
    versions: dict[str, str] = Field(description="tool → version, e.g. yosys → 0.23")

    def tag(self) -> str:
        """`yosys-ghdl-2.0.0-yosys-0.23`: the route, then each tool and version, sorted."""
        tools = "-".join(f"{tool}-{version}" for tool, version in sorted(self.versions.items()))
        return f"{self.route}-{tools}"


class ProfilePoint(BaseModel):
    """One block of cores/ and every generic it is synthesized with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    block: str = Field(description="the IP folder in cores/: linear, add, buffer, rom, …")
    generics: dict[str, Generic]

    def key(self) -> str:
        """A digest (16 hex digits) of the block and its generics, independent of order."""
        text = json.dumps({"block": self.block, "generics": self.generics}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


class KdbEntry(BaseModel):
    """What one synthesis of a point measured."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    point: ProfilePoint
    resources: Resources
    source_digest: str = Field(description="ip_digest of the block when it was synthesized")
    seconds: float = Field(ge=0, description="wall time of the synthesis")


class Glue(BaseModel):
    """How whole models of one shape relate to the sum of their nodes' parts, from validation
    samples, and the error that is left once it is applied. A whole model adds a sequencer
    and read-address multiplexers, but uses less than its parts synthesized alone: Yosys
    optimises across node boundaries and through the trained constants, about in proportion
    to the parts (on the airu shape a ratio left 2.9 % mean error in total LUTs, a constant
    difference 3.4 %)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scale: dict[str, float] = Field(
        description="per resource kind: Σ measured / Σ sum of parts over the samples "
        "(1 where both are 0)"
    )
    samples: int = Field(ge=1)
    band: dict[str, float] = Field(
        description="per resource (and total_lut): mean |error| % of the estimate with the "
        "scale, each sample left out of the scale it is compared with"
    )
    band_max: dict[str, float] = Field(description="the same, largest |error| %")


class KnowledgeBase(BaseModel):
    """Every measured point of one part family and toolchain, by point key, and the glue of
    each validated model shape, by shape digest (`shape_key`)."""

    model_config = ConfigDict(extra="forbid")

    format: int = KDB_FORMAT
    part_family: str = Field(description="synth_xilinx -family, e.g. xc7")
    toolchain: Toolchain
    entries: dict[str, KdbEntry] = Field(default_factory=dict)
    glue: dict[str, Glue] = Field(default_factory=dict)
    fit_error: dict[str, float] = Field(
        default_factory=dict,
        description="leave-one-out mean |relative error| (0..) of the fitted model per "
        "resource and total_lut, when the database was last saved by a sweep",
    )

    def add(self, entry: KdbEntry) -> None:
        """Insert or replace the entry of `entry.point`."""
        self.entries[entry.point.key()] = entry

    def lookup(self, point: ProfilePoint, source_digest: str) -> KdbEntry | None:
        """The entry of `point` if it was measured on sources of `source_digest`."""
        entry = self.entries.get(point.key())
        return entry if entry is not None and entry.source_digest == source_digest else None

    def missing(self, points: list[ProfilePoint], digests: dict[str, str]) -> list[ProfilePoint]:
        """The points without a current entry (never measured, or measured on other sources
        than `digests[block]`), without duplicates, in order."""
        seen: set[str] = set()
        todo = []
        for point in points:
            key = point.key()
            if key in seen or self.lookup(point, digests[point.block]) is not None:
                continue
            seen.add(key)
            todo.append(point)
        return todo

    def stale(self, digests: dict[str, str]) -> list[KdbEntry]:
        """Entries whose block's sources changed since they were measured."""
        return [e for e in self.entries.values()
                if e.source_digest != digests.get(e.point.block, e.source_digest)]  # fmt: skip


def shape_key(model: TransformerModel) -> str:
    """A digest (16 hex digits) of a model's shape: the key of its glue."""
    return hashlib.sha256(model.model_dump_json().encode()).hexdigest()[:16]


def kdb_name(part_family: str, toolchain: Toolchain) -> str:
    """The file name of a knowledge base: `<family>-<toolchain tag>.json`."""
    return f"{part_family}-{toolchain.tag()}.json"


def _journal(path: Path) -> Path:
    return path.with_name(path.name + ".journal")


def _merge_journal(path: Path, kdb: KnowledgeBase) -> KnowledgeBase:
    journal = _journal(path)
    if journal.is_file():
        for line in journal.read_text(encoding="utf-8").splitlines():
            try:
                kdb.add(KdbEntry.model_validate_json(line))
            except ValidationError:
                continue  # the line a killed sweep was writing
    return kdb


def read_kdb(path: Path) -> KnowledgeBase:
    """The knowledge base in the file `path`, with its journal merged; refuses a file that
    is not one or is of another format."""
    try:
        kdb = KnowledgeBase.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as e:
        raise KdbError(f"{path}: not a resq knowledge base: {e}") from e
    if kdb.format != KDB_FORMAT:
        raise KdbError(f"{path}: format {kdb.format}, this resq reads {KDB_FORMAT}")
    return _merge_journal(path, kdb)


def load_kdb(path: Path, part_family: str, toolchain: Toolchain) -> KnowledgeBase:
    """The knowledge base at `path` with its journal merged; an empty one when neither
    exists. Refuses a file of another format, part family or toolchain."""
    if not path.is_file():
        return _merge_journal(path, KnowledgeBase(part_family=part_family, toolchain=toolchain))
    kdb = read_kdb(path)
    if (kdb.part_family, kdb.toolchain) != (part_family, toolchain):
        raise KdbError(
            f"{path} holds {kdb.part_family} measured with {kdb.toolchain.tag()}, "
            f"not {part_family} with {toolchain.tag()}"
        )
    return kdb


def find_kdb(directory: Path, part_family: str, route: Route = DEFAULT_ROUTE) -> Path:
    """The one knowledge-base file of `part_family` measured by `route` in `directory` (any
    tool versions)."""
    found = sorted(directory.glob(f"{part_family}-{route}-*.json"))
    if len(found) != 1:
        what = "none" if not found else ", ".join(p.name for p in found)
        raise KdbError(
            f"expected one knowledge base of {part_family} by {route} in {directory}, found "
            f"{what}; `spec kdb build SPEC --route {route} --out DIR` builds one"
        )
    return found[0]


def append_journal(path: Path, entry: KdbEntry) -> None:
    """Append `entry` to the journal of the knowledge base at `path` (flushed and synced)."""
    journal = _journal(path)
    journal.parent.mkdir(parents=True, exist_ok=True)
    with journal.open("a", encoding="utf-8") as handle:
        handle.write(entry.model_dump_json() + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def save_kdb(path: Path, kdb: KnowledgeBase) -> None:
    """Write `kdb` to `path` atomically (entries sorted by key), then drop the journal."""
    data = kdb.model_dump(mode="json")
    data["entries"] = dict(sorted(data["entries"].items()))
    write_json_atomic(path, data)
    _journal(path).unlink(missing_ok=True)
