"""Where the resq IP library (cores/) is, and digests of its sources for cache keys: of the
whole library, and of one IP with the cores it depends on."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sys
from pathlib import Path

from resq.hdlgen.mapping import HdlgenError
from resq.spec.atomic import write_json_atomic
from ruamel.yaml import YAML

CORES_ENV = "RESQ_CORES"
"""Environment variable naming the cores/ folder; overrides the source checkout's."""

_CHECKOUT_CORES = Path(__file__).resolve().parents[5] / "cores"
_MARKER = Path("resq_pkg") / "resq_pkg.core"


def fusesoc_command() -> list[str]:
    """The command that runs FuseSoC: the one installed with resq-hdlgen in this Python's
    environment, whether or not that environment's bin folder is on PATH."""
    return [sys.executable, "-m", "fusesoc.main"]


def cores_root() -> Path:
    """The cores/ folder: `$RESQ_CORES`, else the one of the checkout resq-hdlgen runs from."""
    named = os.environ.get(CORES_ENV)
    root = Path(named) if named else _CHECKOUT_CORES
    if not (root / _MARKER).is_file():
        where = f"${CORES_ENV}={named}" if named else f"{root} (next to this resq-hdlgen)"
        raise HdlgenError(
            f"no resq IP library at {where}: set {CORES_ENV} to the cores/ folder of a resq "
            "checkout"
        )
    return root


def cores_digest(root: Path) -> str:
    """SHA-256 (16 hex digits) over the path and content of every .vhd, .core and .tcl file."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in {".vhd", ".core", ".tcl"} and path.is_file():
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _core_table(root: Path) -> dict[str, tuple[Path, tuple[str, ...]]]:
    """Core name without version (`resq:ip:linear`) → its folder and the cores its `rtl`
    fileset depends on; read once per state of the .core files."""
    cores = sorted(root.glob("*/*.core"))
    return _read_core_table(tuple((core, core.stat().st_mtime_ns) for core in cores))


def _cache_file(cores: tuple[tuple[Path, int], ...]) -> Path:
    """Where the table of these .core files (by path and modification time) is kept between
    processes: parsing them takes a good part of a second, a cold `spec estimate` less."""
    key = hashlib.sha256(repr([(str(p), t) for p, t in cores]).encode()).hexdigest()[:16]
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "resq" / f"core-table-{key}.json"


@functools.lru_cache(maxsize=8)
def _read_core_table(cores: tuple[tuple[Path, int], ...]
                     ) -> dict[str, tuple[Path, tuple[str, ...]]]:  # fmt: skip
    cache = _cache_file(cores)
    try:
        kept = json.loads(cache.read_text(encoding="utf-8"))
        return {name: (Path(folder), tuple(depend)) for name, (folder, depend) in kept.items()}
    except (OSError, ValueError, TypeError):
        pass  # not cached yet (or unreadable): parse
    table = {}
    for core, _ in cores:
        data = YAML(typ="safe").load(core.read_text(encoding="utf-8"))
        depend = data.get("filesets", {}).get("rtl", {}).get("depend", [])
        table[_unversioned(str(data["name"]))] = (core.parent,
                                                  tuple(_unversioned(str(d)) for d in depend))  # fmt: skip
    with contextlib.suppress(OSError):  # a read-only home: parse again next time
        write_json_atomic(cache, {name: [str(folder), list(depend)]
                                  for name, (folder, depend) in table.items()})  # fmt: skip
    return table


def _unversioned(name: str) -> str:
    """`resq:ip:pkg:0.1.0` → `resq:ip:pkg`; a name without version stays."""
    return name.rsplit(":", 1)[0] if name.count(":") > 2 else name


def ip_digest(root: Path, ip: str) -> str:
    """SHA-256 (16 hex digits) over the .vhd and .core files of the IP folder `ip` (`linear`,
    `buffer`, …) and of every core its `rtl` fileset depends on, transitively: what its
    synthesis result depends on. Testbench folders (`tb/`) are left out."""
    table = _core_table(root)
    by_folder = {folder.name: name for name, (folder, _) in table.items()}
    if ip not in by_folder:
        raise HdlgenError(f"no IP {ip!r} in {root}; IPs: {', '.join(sorted(by_folder))}")
    seen: list[Path] = []
    pending = [by_folder[ip]]
    while pending:
        name = pending.pop()
        if name not in table or table[name][0] in seen:
            continue
        folder, depend = table[name]
        seen.append(folder)
        pending.extend(depend)
    digest = hashlib.sha256()
    for folder in sorted(seen):
        for path in sorted(folder.rglob("*")):
            testbench = "tb" in path.relative_to(folder).parts
            if path.suffix in {".vhd", ".core"} and path.is_file() and not testbench:
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
