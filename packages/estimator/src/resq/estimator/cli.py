"""`spec kdb build` and `spec kdb show`: build (or complete) and inspect a knowledge database.

    spec kdb build SPEC [--board NAME] [--executor local|dask] [--scheduler ADDR]
                        [--workers N] [--out DIR] [--quick]
    spec kdb show SPEC [--board NAME] [--out DIR]

The model shape comes from SPEC and the part family from its board (or --board, a board
name of the spec's project). The database is `<DIR>/<family>-<toolchain>.json`, by default
in the package's data folder, where the shipped database lives.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from resq.deploy.yosys import synth_family, toolchain_versions
from resq.estimator.executor import Executor, ExecutorKind
from resq.estimator.kdb import KnowledgeBase, Toolchain, kdb_name, load_kdb
from resq.estimator.profile import Grid, grid_points
from resq.hdlgen.cores import cores_root, ip_digest
from resq.spec import ResqError
from resq.spec.errors import SpecError
from resq.spec.loader import load_board, load_spec
from resq.spec.names import is_name
from resq.spec.spec import LoadedSpec
from rich.console import Console
from rich.markup import escape
from rich.table import Table

DATA = Path(__file__).parent / "data"
"""Where the shipped knowledge databases are."""

QUICK = Grid(bits=(4, 8), windows=(24,), parallelism=(1, 16), multipliers=("dsp", "lut"),
             storages=("block", "distributed"))  # fmt: skip
"""A small slice of the grid (a few minutes on 2 cores)."""

err = Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error[/red] {escape(message)}")
    sys.exit(code)


def _spec(file: Path, board: str | None) -> LoadedSpec:
    """The spec at `file`, with the board `board` of its project when given."""
    try:
        loaded = load_spec(file)
        if board is not None:
            target = loaded.root / "boards" / f"{board}.yaml"
            if not is_name(board) or not target.is_file():
                names = sorted(p.stem for p in target.parent.glob("*.yaml"))
                raise click.BadParameter(f"{board!r}; boards: {', '.join(names)}",
                                         param_hint="--board")  # fmt: skip
            loaded = loaded.model_copy(update={"board": load_board(target)})
    except SpecError as e:
        for issue in e.issues:
            err.print(f"[red]error[/red] {escape(str(issue))}")
        sys.exit(2)
    return loaded


def _database(loaded: LoadedSpec, out: Path) -> tuple[Path, str, Toolchain]:
    family = synth_family(loaded.board.family)
    toolchain = Toolchain(route="yosys", versions=toolchain_versions())
    return out / kdb_name(family, toolchain), family, toolchain


@click.group()
def kdb() -> None:
    """The knowledge database of IP resources (profiled with Yosys)."""


@kdb.command()
@click.argument("spec_file", type=click.Path(path_type=Path))
@click.option("--board", help="A board name of the spec's project (default: the spec's).")
@click.option("--executor", "kind", type=click.Choice(["local", "dask"]), default="local")
@click.option("--scheduler", help="Address of a running Dask scheduler (with --executor dask).")
@click.option("--workers", type=click.IntRange(1, 256), help="Worker processes (default: CPUs).")
@click.option("--out", type=click.Path(path_type=Path), default=DATA, show_default=True)
@click.option("--quick", is_flag=True, help="Profile a small slice of the grid only.")
def build(spec_file: Path, board: str | None, kind: ExecutorKind, scheduler: str | None,
          workers: int | None, out: Path, quick: bool) -> None:  # fmt: skip
    """Profile every point of the grid for SPEC's model shape that the database lacks."""
    from resq.estimator.sweep import sweep

    loaded = _spec(spec_file, board)
    try:
        path, family, toolchain = _database(loaded, out)
        points = grid_points(loaded.spec.model, QUICK if quick else Grid())
        executor = Executor(kind, workers, scheduler, console=err)
        database, result = sweep(path, family, toolchain, points, cores_root(), executor)
    except ResqError as e:
        _fail(str(e))
        return
    err.print(f"{escape(str(path))}: {len(database.entries)} entries; {result.cached} of "
              f"{result.cached + len(result.failures) + result.measured} points were measured "
              f"already, {result.measured} now")  # fmt: skip
    for point, error in result.failures:
        err.print(f"[red]failed[/red] {point.block} {point.key()}: {escape(error)}")
    if result.failures:
        sys.exit(1)


def coverage(database: KnowledgeBase, spec_points: int, covered: int) -> Table:
    """Entries per block (stale ones apart) and how much of the spec's grid is measured."""
    digests = {block: ip_digest(cores_root(), block)
               for block in {e.point.block for e in database.entries.values()}}  # fmt: skip
    stale = {e.point.key() for e in database.stale(digests)}
    table = Table(title=f"{database.part_family}, {database.toolchain.tag()}: "
                        f"{covered} of {spec_points} grid points measured")  # fmt: skip
    for column in ("block", "entries", "stale", "seconds (mean)"):
        table.add_column(column, justify="left" if column == "block" else "right")
    blocks: dict[str, list[float]] = {}
    for entry in database.entries.values():
        blocks.setdefault(entry.point.block, []).append(entry.seconds)
    for block, seconds in sorted(blocks.items()):
        n_stale = sum(1 for e in database.entries.values()
                      if e.point.block == block and e.point.key() in stale)  # fmt: skip
        table.add_row(block, str(len(seconds)), str(n_stale), f"{sum(seconds) / len(seconds):.1f}")
    return table


@kdb.command()
@click.argument("spec_file", type=click.Path(path_type=Path))
@click.option("--board", help="A board name of the spec's project (default: the spec's).")
@click.option("--out", type=click.Path(path_type=Path), default=DATA, show_default=True)
def show(spec_file: Path, board: str | None, out: Path) -> None:
    """Print what the database holds and how much of SPEC's grid it covers."""
    loaded = _spec(spec_file, board)
    try:
        path, family, toolchain = _database(loaded, out)
        database = load_kdb(path, family, toolchain)
        points = grid_points(loaded.spec.model, Grid())
        digests = {b: ip_digest(cores_root(), b) for b in {p.block for p in points}}
        missing = database.missing(points, digests)
    except ResqError as e:
        _fail(str(e))
        return
    distinct = len({p.key() for p in points})
    Console().print(coverage(database, distinct, distinct - len(missing)))
