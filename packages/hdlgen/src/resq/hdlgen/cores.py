"""Where the resq IP library (cores/) is, and a digest of its sources for cache keys."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from resq.hdlgen.mapping import HdlgenError

CORES_ENV = "RESQ_CORES"
"""Environment variable naming the cores/ folder; overrides the source checkout's."""

_CHECKOUT_CORES = Path(__file__).resolve().parents[5] / "cores"
_MARKER = Path("resq_pkg") / "resq_pkg.core"


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
    """SHA-256 (16 hex digits) over the path and content of every .vhd and .core file."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in {".vhd", ".core"} and path.is_file():
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
