"""Property: any spec text, however malformed, loads or is refused with located lines:
never a traceback, never a hang, never a memory blow-up."""

from __future__ import annotations

import io
import shutil
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from resq.spec import SpecError, load_spec
from resq.spec.errors import ISSUE_LINE
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[3]
SECTIONS = ("name", "seed", "dataset", "model", "training", "quantization", "board",
            "budget", "hardware", "search", "deploy")  # fmt: skip
KEYS = ("epochs", "float_epochs", "lr", "batch_size", "window", "d_model", "n_heads",
        "default_bits", "softmax_bits", "candidate_bits", "lut", "dsp", "targets",
        "test_windows", "method", "top_k", "storage", "parallelism", "files", "manifest",
        "kind", "scheme", "range", "latency_cycles", "extends")  # fmt: skip

control = st.characters(codec="utf-8", categories=["Cc", "Cf", "Zl", "Zp", "L", "N", "P"])
scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(10**80), max_value=10**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(control, max_size=40), st.sampled_from(["80%", "500%", "-1%", "all", "auto",
                                                    "search", "../x", "/etc/passwd"]),
)  # fmt: skip
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS) | st.text(control,
                                                 max_size=12), inner, max_size=4)),
    max_leaves=12)  # fmt: skip
mutation = st.tuples(st.sampled_from(SECTIONS), st.sampled_from((None, *KEYS)), values)

HAZARDS = (
    "a: &x [*x]\n",
    "b: &b [1, 1, 1]\nc: [*b, *b]\n",
    "x: " + "[" * 200 + "]" * 200 + "\n",
    "seed: " + "7" * 600 + "\n",
    "\tbad: indent\n",
    "key: [unclosed\n",
    "? complex\n: key\n",
    "dup: 1\ndup: 2\n",
    "!!python/object:os.system {}\n",
    "extends: ../../etc/passwd\n",
    "extends: p.yaml\n",
    "---\na: 1\n---\nb: 2\n",
)


def _dump(data: Any) -> str:
    stream = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, stream)
    return stream.getvalue()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    for name in ("boards", "datasets", "specs"):
        shutil.copytree(REPO / name, root / name)
    return root


ATTEMPTS: list[str] = []
"""What each generated spec came to: loaded or refused."""


@settings(max_examples=600, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(mutations=st.lists(mutation, min_size=1, max_size=4),
       hazard=st.none() | st.sampled_from(HAZARDS), base=st.sampled_from(["airu", "beijing-o3"]))  # fmt: skip
def _loads_or_is_refused_line_by_line(
    project: Path, mutations: list[tuple[str, str | None, Any]], hazard: str | None, base: str
) -> None:
    spec: dict[str, Any] = {"extends": f"{base}.yaml"}
    for section, key, value in mutations:
        if key is None:
            spec[section] = value
        else:
            current = spec.get(section)
            spec[section] = {**(current if isinstance(current, dict) else {}), key: value}
    try:
        text = _dump(spec)
    except Exception:  # a value the dumper itself cannot write; nothing to load
        return
    if hazard is not None:
        text = hazard + text if hazard.startswith(("extends", "---")) else text + hazard
    path = project / "specs" / "p.yaml"
    path.write_text(text, encoding="utf-8")
    tracemalloc.start()
    began = time.perf_counter()
    try:
        load_spec(path)
        ATTEMPTS.append("loaded")
    except SpecError as e:
        ATTEMPTS.append("refused")
        lines = str(e).splitlines()
        assert lines and all(ISSUE_LINE.match(line) for line in lines), lines
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert time.perf_counter() - began < 5.0
    assert peak < 200 * 2**20


def test_at_least_500_generated_specs_load_or_are_refused_line_by_line(project: Path) -> None:
    ATTEMPTS.clear()
    _loads_or_is_refused_line_by_line(project)
    assert len(ATTEMPTS) >= 500 and ATTEMPTS.count("refused") >= 400, len(ATTEMPTS)
