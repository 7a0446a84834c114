"""`spec kdb build|show|validate` (the knowledge database) and `spec estimate` (a design's
estimate).

    spec kdb build SPEC [--board NAME] [--executor local|dask] [--scheduler ADDR]
                        [--workers N] [--out DIR] [--quick]
    spec kdb show SPEC [--board NAME] [--out DIR]
    spec kdb validate SPEC [--samples N] [--seed S] [--kdb DIR] [--out DIR] [--json FILE]
                           [--executor local|dask] [--scheduler ADDR] [--workers N]
    spec estimate SPEC [--config FILE] [--board NAME] [--kdb DIR] [--json FILE]

The model shape comes from SPEC and the part family from its board (or --board, a board
name of the spec's project). The database is `<DIR>/<family>-<toolchain>.json`, by default
in the package's data folder, where the shipped database lives. Exit codes as `spec run`:
0 ok (for estimate: the design fits), 1 failed or does not fit, 2 bad input.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from resq.deploy.route import synthesis_route, synthesis_routes
from resq.deploy.yosys import synth_family
from resq.estimator.estimate import Estimate, Estimator
from resq.estimator.executor import Executor, ExecutorKind
from resq.estimator.kdb import (
    DEFAULT_ROUTE,
    KnowledgeBase,
    Route,
    Toolchain,
    find_kdb,
    kdb_home,
    kdb_name,
    load_kdb,
    read_kdb,
    save_kdb,
    shape_key,
)
from resq.estimator.profile import Grid, grid_points
from resq.estimator.validate import Comparison, Validation, compare, draw
from resq.hdlgen.cores import cores_root, ip_digest
from resq.spec import ResqError
from resq.spec.atomic import write_json_atomic
from resq.spec.cli import config_or_exit, spec_or_exit
from resq.spec.errors import SpecError
from resq.spec.loader import load_board
from resq.spec.names import is_name
from resq.spec.spec import LoadedSpec
from rich.console import Console
from rich.markup import escape
from rich.table import Table

DATA = kdb_home()
"""Where the shipped knowledge databases are."""

QUICK = Grid(bits=(4, 8), windows=(24,), parallelism=(1, 16), multipliers=("dsp", "lut"),
             storages=("block", "distributed"))  # fmt: skip
"""A small slice of the grid: 197 points of the airu shape (the grid has 771)."""

err = Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error[/red] {escape(message)}")
    sys.exit(code)


def _spec(file: Path, board: str | None) -> LoadedSpec:
    """The spec at `file`, with the board `board` of its project when given."""
    loaded = spec_or_exit(file)
    if board is None:
        return loaded
    target = loaded.root / "boards" / f"{board}.yaml"
    if not is_name(board) or not target.is_file():
        names = sorted(p.stem for p in target.parent.glob("*.yaml"))
        raise click.BadParameter(f"{board!r}; boards: {', '.join(names)}", param_hint="--board")
    try:
        return loaded.model_copy(update={"board": load_board(target)})
    except SpecError as e:
        for issue in e.issues:
            err.print(f"[red]error[/red] {escape(str(issue))}")
        sys.exit(2)


def _database(loaded: LoadedSpec, out: Path, route: Route) -> tuple[Path, str, Toolchain]:
    family = synth_family(loaded.board.family)
    toolchain = Toolchain(route=route, versions=synthesis_route(route).versions())
    return out / kdb_name(family, toolchain), family, toolchain


ROUTE = click.option("--route", type=click.Choice(list(synthesis_routes())), default=DEFAULT_ROUTE,
                     show_default=True, help="The synthesis route that measures (resq.deploy.route); "
                     "vivado needs Vivado on PATH.")  # fmt: skip


@click.group()
def kdb() -> None:
    """The knowledge database of IP resources (profiled with Yosys, or Vivado)."""


@kdb.command()
@click.argument("spec_file", type=click.Path(path_type=Path))
@click.option("--board", help="A board name of the spec's project (default: the spec's).")
@click.option("--executor", "kind", type=click.Choice(["local", "dask"]), default="local")
@click.option("--scheduler", help="Address of a running Dask scheduler (with --executor dask).")
@click.option("--workers", type=click.IntRange(1, 256), help="Worker processes (default: CPUs).")
@click.option("--out", type=click.Path(path_type=Path), default=DATA, show_default=True)
@click.option("--quick", is_flag=True, help="Profile a small slice of the grid only.")
@ROUTE
def build(spec_file: Path, board: str | None, kind: ExecutorKind, scheduler: str | None,
          workers: int | None, out: Path, quick: bool, route: Route) -> None:  # fmt: skip
    """Profile every point of the grid for SPEC's model shape that the database lacks."""
    from resq.estimator.sweep import sweep

    loaded = _spec(spec_file, board)
    try:
        path, family, toolchain = _database(loaded, out, route)
        points = grid_points(loaded.spec.model, QUICK if quick else Grid())
        executor = Executor(kind, workers, scheduler)
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
@ROUTE
def show(spec_file: Path, board: str | None, out: Path, route: Route) -> None:
    """Print what the database holds and how much of SPEC's grid it covers."""
    loaded = _spec(spec_file, board)
    try:
        path, family, toolchain = _database(loaded, out, route)
        database = load_kdb(path, family, toolchain)
        points = grid_points(loaded.spec.model, Grid())
        digests = {b: ip_digest(cores_root(), b) for b in {p.block for p in points}}
        missing = database.missing(points, digests)
    except ResqError as e:
        _fail(str(e))
        return
    distinct = len({p.key() for p in points})
    console = Console()
    console.print(coverage(database, distinct, distinct - len(missing)))
    if database.fit_error:
        errors = ", ".join(f"{k} {100 * v:.1f} %" for k, v in database.fit_error.items())
        console.print(f"fitted model, leave-one-out mean |error|: {errors}")


def estimate_table(result: Estimate) -> Table:
    """Per node and in total: resources, cycles and what was fitted rather than measured."""
    table = Table(title=f"estimate at {result.clock_mhz:g} MHz: {result.total.cycles} cycles, "
                        f"{result.latency_us:.1f} µs")  # fmt: skip
    for column in ("node", "IP", "PAR", "mult", "storage", "LUT", "LUTRAM", "FF", "BRAM36",
                   "DSP", "cycles", "fitted"):  # fmt: skip
        table.add_column(column, justify="left" if column in ("node", "IP", "fitted") else "right")
    for n in result.nodes:
        r = n.resources
        table.add_row(n.node, n.ip, str(n.choice.parallelism), n.choice.multiplier,
                      n.choice.storage, f"{r.lut:.0f}", f"{r.lutram:.0f}", f"{r.ff:.0f}",
                      f"{r.bram36:g}", f"{r.dsp:.0f}", str(r.cycles), ", ".join(n.fitted))  # fmt: skip
    t, used = result.total, result.utilisation
    table.add_row("total (logic + LUT-RAM = " f"{t.total_lut:.0f} LUTs)", "", "", "", "",
                  f"{t.lut:.0f}", f"{t.lutram:.0f}", f"{t.ff:.0f}", f"{t.bram36:g}",
                  f"{t.dsp:.0f}", str(t.cycles), "", end_section=True)  # fmt: skip
    table.add_row("% of the board", "", "", "", "", f"{100 * used['lut']:.1f}", "",
                  f"{100 * used['ff']:.1f}", f"{100 * used['bram36']:.1f}",
                  f"{100 * used['dsp']:.1f}", "", "")  # fmt: skip
    return table


@click.command()
@click.argument("spec_file", type=click.Path(path_type=Path))
@click.option("--config", "config_file", type=click.Path(path_type=Path),
              help="A BitConfig file (JSON or YAML) instead of the spec's configuration.")  # fmt: skip
@click.option("--board", help="A board name of the spec's project (default: the spec's).")
@click.option("--kdb", "kdb_dir", type=click.Path(path_type=Path), default=DATA,
              show_default=True, help="Folder of the knowledge base.")  # fmt: skip
@click.option("--json", "json_file", type=click.Path(path_type=Path),
              help="Also write the estimate as JSON.")  # fmt: skip
def estimate(spec_file: Path, config_file: Path | None, board: str | None, kdb_dir: Path,
             json_file: Path | None) -> None:  # fmt: skip
    """Estimate SPEC's design: per node and total resources, cycles, µs, fit to the budget."""
    loaded = _spec(spec_file, board)
    config = config_or_exit(config_file, loaded) if config_file else loaded.bit_config()
    searched = loaded.spec.hardware.searched() if config_file is None else []
    if searched:
        err.print(f"[yellow]note[/yellow] {', '.join(searched)} are `search`: estimating the "
                  "baseline (PAR 1, DSP multipliers, auto storage); --config FILE estimates "
                  "a chosen configuration")  # fmt: skip
    try:
        family = synth_family(loaded.board.family)
        database = read_kdb(find_kdb(kdb_dir, family))
        result = Estimator(database, cores_root()).estimate(loaded, config)
    except ResqError as e:
        _fail(str(e))
        return
    out = Console()
    if not out.is_terminal:
        out = Console(width=160)
    out.print(estimate_table(result))
    if json_file is not None:
        write_json_atomic(json_file, result.model_dump(mode="json"))
    if result.band:
        err.print("error band (mean |error| against Yosys on whole models): "
                  + ", ".join(f"{k} {v:.1f} %" for k, v in result.band.items()))  # fmt: skip
    else:
        err.print("[yellow]note[/yellow] this model shape is not validated: totals are the sum "
                  "of the nodes, without the top's glue and without an error band "
                  "(`spec kdb validate SPEC`)")  # fmt: skip
    if result.fits:
        err.print(f"[green]fits[/green] {loaded.board.name} within the budget; slack: "
                  + ", ".join(f"{k} {v:g}" for k, v in result.slack.items()))  # fmt: skip
        return
    over = ", ".join(f"{k} by {-result.slack[k]:g}" for k in result.exceeded)
    err.print(f"[red]does not fit[/red] the budget on {loaded.board.name}: over in {over}")
    sys.exit(1)


def comparison_table(comparison: Comparison) -> Table:
    """Per resource: mean, largest and mean signed error of the estimate, in %."""
    table = Table(title=f"estimate (with the glue of the other samples) against Yosys on "
                        f"{comparison.samples} whole models; fit verdicts agree on "
                        f"{comparison.verdicts_agree}")  # fmt: skip
    for column in ("resource", "mean |error| %", "max |error| %", "mean signed %", "exact"):
        table.add_column(column, justify="left" if column == "resource" else "right")
    for e in comparison.errors:
        table.add_row(e.resource, f"{e.mean_abs:.2f}", f"{e.max_abs:.2f}", f"{e.mean_signed:+.2f}",
                      f"{100 * e.exact:.0f} %")  # fmt: skip
    return table


@kdb.command()
@click.argument("spec_file", type=click.Path(path_type=Path))
@click.option("--samples", type=click.IntRange(1, 10_000), default=20, show_default=True)
@click.option("--seed", type=click.IntRange(0, 2**31), default=0, show_default=True)
@click.option("--kdb", "kdb_dir", type=click.Path(path_type=Path), default=DATA,
              show_default=True, help="Folder of the knowledge base.")  # fmt: skip
@click.option("--out", type=click.Path(path_type=Path),
              help="Folder of the measured samples (default: runs/kdb-validate).")  # fmt: skip
@click.option("--json", "json_file", type=click.Path(path_type=Path),
              help="Also write the comparison as JSON.")  # fmt: skip
@click.option("--executor", "kind", type=click.Choice(["local", "dask"]), default="local")
@click.option("--scheduler", help="Address of a running Dask scheduler (with --executor dask).")
@click.option("--workers", type=click.IntRange(1, 256), help="Worker processes (default: CPUs).")
@ROUTE
def validate(spec_file: Path, samples: int, seed: int, kdb_dir: Path, out: Path | None,
             json_file: Path | None, kind: ExecutorKind, scheduler: str | None,
             workers: int | None, route: Route) -> None:  # fmt: skip
    """Synthesize SAMPLES random mixed configurations of SPEC's model (resumable) and
    compare each with its estimate from the knowledge base of the same route. SPEC needs
    its data set (models are calibrated)."""
    loaded = _spec(spec_file, None)
    folder = out or loaded.root / "runs" / "kdb-validate"
    try:
        family = synth_family(loaded.board.family)
        path = find_kdb(kdb_dir, family, route)
        database = read_kdb(path)
        estimator = Estimator(database, cores_root())
        configs = draw(loaded, samples, seed)
        routed = "" if route == DEFAULT_ROUTE else f"-{route}"
        journal = folder / f"{loaded.spec.name}-{family}{routed}-s{seed}.jsonl"
        executor = Executor(kind, workers, scheduler)
        measured = Validation(journal).run(loaded, configs, cores_root(), executor, route)
        comparison = compare(estimator, loaded, measured)
    except ResqError as e:
        _fail(str(e))
        return
    database.glue[shape_key(loaded.spec.model)] = comparison.glue
    save_kdb(path, database)
    Console().print(comparison_table(comparison))
    if json_file is not None:
        write_json_atomic(json_file, comparison.model_dump(mode="json"))
