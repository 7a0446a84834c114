"""The `spec` command: validate, show, schema, run, and the subcommands of installed packages
(`kdb` of resq-estimator). Exit 0 ok, 2 bad spec, 1 failed stage."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import click
from resq.spec.bitconfig import BitConfig, BitConfigError, load_bitconfig
from resq.spec.console import configure_logging
from resq.spec.discovery import discover_checks, discover_commands, discover_stages
from resq.spec.errors import ResqError, SpecError, StageError, printable
from resq.spec.loader import load_spec
from resq.spec.runner import Runner, StageRecord
from resq.spec.schema import spec_file_schema
from resq.spec.spec import LoadedSpec
from resq.spec.stage import HEADLINE, LATEST, stage_order
from resq.spec.tools import Tool, ensure, install_command, unique
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from ruamel.yaml import YAML

EXIT_BAD_SPEC = 2
EXIT_STAGE_FAILED = 1

err = Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)


def spec_or_exit(file: Path) -> LoadedSpec:
    """The spec at `file`, or every located error on stderr and exit 2."""
    try:
        return load_spec(file)
    except SpecError as e:
        for issue in e.issues:
            err.print(f"[red]error[/red] {escape(str(issue))}")
        err.print(f"{len(e.issues)} error(s) in {escape(str(file))}")
        sys.exit(EXIT_BAD_SPEC)


def config_or_exit(file: Path, loaded: LoadedSpec) -> BitConfig:
    """The BitConfig file `file` checked against the spec's model, or its errors and exit 2."""
    try:
        config = load_bitconfig(file)
    except BitConfigError as e:
        err.print(f"[red]error[/red] {escape(str(e))}")
        sys.exit(EXIT_BAD_SPEC)
    problems = config.problems(loaded.spec.model.n_layers)
    for problem in problems:
        err.print(f"[red]error[/red] {escape(str(file))}: {escape(problem)}")
    if problems:
        err.print(f"{len(problems)} error(s) in {escape(str(file))}")
        sys.exit(EXIT_BAD_SPEC)
    return config


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
def cli(verbose: bool) -> None:
    """resq: from a YAML spec to an integer-only neural network on a small FPGA."""
    configure_logging(err, verbose)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check spec FILES with their parents, boards and dataset manifests, and what the
    installed stages can check without running (e.g. the first rows of present data)."""
    failed = 0
    checks = discover_checks()
    for file in files:
        try:
            loaded = load_spec(file)
        except SpecError as e:
            failed += 1
            for issue in e.issues:
                err.print(f"[red]error[/red] {escape(str(issue))}")
            continue
        errors, warnings = [], []
        for check in checks.values():
            found = check(loaded)
            errors += found[0]
            warnings += found[1]
        for line in warnings:
            err.print(f"[yellow]warning[/yellow] {escape(printable(line))}")
        for line in errors:
            err.print(f"[red]error[/red] {escape(printable(line))}")
        if errors:
            failed += 1
            continue
        err.print(f"[green]ok[/green] {escape(str(file))}")
    if failed:
        err.print(f"{failed} of {len(files)} spec(s) invalid")
        sys.exit(EXIT_BAD_SPEC)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
def show(file: Path) -> None:
    """Print the resolved spec (parents merged, defaults filled) as YAML."""
    loaded = spec_or_exit(file)
    yaml = YAML()
    yaml.default_flow_style = False
    buffer = io.StringIO()
    yaml.dump(loaded.spec.model_dump(mode="json"), buffer)
    click.echo(buffer.getvalue(), nl=False)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of spec files (for editors)."""
    click.echo(json.dumps(spec_file_schema(), indent=2))


def _selection(stages: str | None, start: str | None, order: tuple[str, ...]) -> list[str]:
    """The stages named by --stages, or --from one and every later one of `order` (the
    installed stages in the order of a run), or all of them."""
    if stages and start:
        raise click.UsageError("give --stages or --from, not both")
    if start:
        if start not in order:
            raise click.BadParameter(f"{start!r}; stages: {', '.join(order)}", param_hint="--from")
        return list(order[order.index(start) :])
    if stages:
        return [s.strip() for s in stages.split(",") if s.strip()]
    return list(order)


def _figures(summary: dict[str, Any]) -> str:
    """A stage's scalar figures as `name=value`, real numbers to 5 significant digits."""
    return ", ".join(f"{k}={v:.5g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in summary.items() if not isinstance(v, dict | list))  # fmt: skip


class _Progress:
    """One line as each stage starts and ends; the table of every stage at the end."""

    def __init__(self) -> None:
        self.ended: list[tuple[str, StageRecord]] = []

    def __call__(self, stage: str, status: str, record: StageRecord | None) -> None:
        if status == "start":
            err.print(f"[bold]{stage}[/bold] running")
        elif record is not None:
            self.ended.append((status, record))
            label = (
                "[cyan]cached[/cyan]"
                if status == "cached"
                else f"[green]done[/green] in {record.seconds:.1f} s"
            )
            figures = escape(_figures(record.summary))
            err.print(f"[bold]{stage}[/bold] {label} (key {record.key}) {figures}")

    def table(self) -> Table:
        """Stage, cached or done, seconds it took (when it ran) and its figures."""
        table = Table(title="spec run", title_justify="left")
        for name, justify in (("stage", "left"), ("status", "left"), ("seconds", "right"),
                              ("figures", "left")):  # fmt: skip
            table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
        for status, record in self.ended:
            seconds = f"{record.seconds:.1f}" if status == "done" else "–"
            table.add_row(record.stage, status, seconds, escape(_figures(record.summary)))
        return table


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--stages", help="Comma-separated stages to run (default: every installed one).")
@click.option("--from", "start", help="Run this stage and every later one.")
@click.option("--run-dir", type=click.Path(path_type=Path), help="Default: runs/<spec name>.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path),
    help="A BitConfig file (JSON or YAML) to train and build instead of the spec's.",
)
def run(
    file: Path, stages: str | None, start: str | None, run_dir: Path | None,
    config_file: Path | None,
) -> None:  # fmt: skip
    """Run the stages of spec FILE; finished stages are taken from the run directory."""
    loaded = spec_or_exit(file)
    if config_file is not None:
        loaded = loaded.model_copy(update={"config": config_or_exit(config_file, loaded)})
    directory = run_dir or loaded.root / "runs" / loaded.spec.name
    progress = _Progress()
    try:
        runner = Runner(loaded, discover_stages(), directory)
        selected = _selection(stages, start, runner.order)
        runner.run(selected, on_event=progress, named=stages is not None)
    except ResqError as e:  # a stage failed, a tool is missing, …: one message, no traceback
        err.print(f"[red]error[/red] {escape(str(e))}")
        sys.exit(EXIT_STAGE_FAILED)
    except OSError as e:  # the run directory cannot be written (too long, read-only, full, …)
        where = e.filename or directory
        err.print(f"[red]error[/red] run directory {escape(str(directory))}: cannot write "
                  f"{escape(str(where))}: {escape(e.strerror or str(e))}")  # fmt: skip
        sys.exit(EXIT_STAGE_FAILED)
    err.print(progress.table())
    err.print(f"summary: {escape(str(directory / 'summary.json'))}")
    for _status, record in reversed(progress.ended):  # the last stage with a headline
        if HEADLINE in record.summary:
            for line in record.summary[HEADLINE]:
                err.print(escape(printable(str(line))))
            break
    for _status, record in progress.ended:
        for name in record.summary.get(LATEST, []):
            err.print(f"{escape(Path(name).stem)}: {escape(str(directory / Path(name).name))}")


@cli.command()
def stages() -> None:
    """The installed stages in the order `spec run` takes them, with the package that
    provides each and what it reads and runs after."""
    found = discover_stages()
    try:
        order = stage_order(found)
    except StageError as e:
        err.print(f"[red]error[/red] {escape(str(e))}")
        sys.exit(EXIT_STAGE_FAILED)
    table = Table("stage", "package", "reads", "runs after")
    for name in order:
        stage = found[name]
        reads = [*stage.inputs, *(f"{o} (if installed)" for o in stage.optional_inputs)]
        table.add_row(name, stage.provider, ", ".join(reads), ", ".join(stage.after))
    Console().print(table)


def _extra_tool(text: str) -> Tool:
    executable, _, package = text.partition("=")
    try:
        return Tool(executable=executable, debian=package or executable, purpose="asked for")
    except ValueError as e:
        raise click.BadParameter(f"{text!r}: EXECUTABLE or EXECUTABLE=PACKAGE",
                                 param_hint="--extra") from e  # fmt: skip


@cli.command()
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--stages", help="Comma-separated stages (default: those `spec run FILE` runs).")
@click.option("--all", "every", is_flag=True, help="Every tool of every installed stage.")
@click.option("--extra", multiple=True, metavar="EXECUTABLE[=PACKAGE]",
              help="One more tool to have, e.g. chromium (repeatable).")  # fmt: skip
@click.option("--install", "install_missing", is_flag=True,
              help="As root, install what is missing with apt-get (Debian 12).")  # fmt: skip
def tools(file: Path | None, stages: str | None, every: bool, extra: tuple[str, ...],
          install_missing: bool) -> None:  # fmt: skip
    """The external tools a run of spec FILE needs (or --all of them), which are missing,
    and the one command that installs them; exit 1 while a required one is missing."""
    found = discover_stages()
    wanted: list[Tool] = []
    if every:
        wanted += [tool for stage in found.values() for tool in stage.tools]
    if file is not None:
        loaded = spec_or_exit(file)
        try:
            runner = Runner(loaded, found, loaded.root / "runs" / loaded.spec.name)
            wanted += runner.tools(runner.selection(_selection(stages, None, runner.order),
                                                    stages is not None))  # fmt: skip
        except StageError as e:
            err.print(f"[red]error[/red] {escape(str(e))}")
            sys.exit(EXIT_STAGE_FAILED)
    wanted = unique([*wanted, *(_extra_tool(text) for text in extra)])
    try:
        optional = ensure(wanted, install_missing)
    except ResqError as e:
        err.print(f"[red]error[/red] {escape(str(e))}")
        sys.exit(EXIT_STAGE_FAILED)
    for tool in wanted:
        state = "[yellow]missing[/yellow]" if tool in optional else "[green]found[/green]"
        err.print(f"{state} {escape(tool.executable)}: {escape(tool.purpose)}")
    if optional:
        err.print(f"optional tools are missing; to have them: {escape(install_command(optional))}")


def main() -> None:
    """Entry point of the `spec` console script, with the subcommands installed packages add."""
    try:
        commands = discover_commands()
    except StageError as e:
        err.print(f"[yellow]warning[/yellow] {escape(str(e))}")
        commands = {}
    for name, command in commands.items():
        cli.add_command(command, name)
    cli()
