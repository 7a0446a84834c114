"""Where a data set's files are: $RESQ_DATA_HOME, the download cache, or the copy shipped
beside the manifest; downloading the missing ones once, and checking each by its sha256."""

from __future__ import annotations

import hashlib
import io
import logging
import lzma
import os
import urllib.request
import zipfile
from pathlib import Path

from resq.spec.errors import ResqError
from resq.spec.manifest import DatasetManifest, Download

log = logging.getLogger(__name__)

DATA_HOME_ENV = "RESQ_DATA_HOME"


class DataError(ResqError):
    """A data file is missing, unreadable, or yields no usable windows."""


def cache_dir(manifest: DatasetManifest) -> Path:
    """~/.cache/resq/datasets/<manifest>: where downloads go."""
    return Path.home() / ".cache" / "resq" / "datasets" / manifest.name


def data_dirs(manifest: DatasetManifest) -> list[Path]:
    """Where the data set's files are looked for, in order: $RESQ_DATA_HOME/<manifest> when
    RESQ_DATA_HOME is set, then the cache."""
    home = os.environ.get(DATA_HOME_ENV)
    return [*([Path(home) / manifest.name] if home else []), cache_dir(manifest)]


def embedded_copy(manifest: DatasetManifest, name: str) -> Path | None:
    """The compressed copy of file `name` shipped beside the manifest, None without one."""
    entry = next((f for f in manifest.files if f.name == name), None)
    if entry is None or entry.embedded is None or manifest.folder is None:
        return None
    path = manifest.folder / manifest.name / entry.embedded
    return path if path.is_file() else None


def find_file(manifest: DatasetManifest, name: str) -> Path | None:
    """Data file `name`: from $RESQ_DATA_HOME, else the cache, else the copy shipped with
    the manifest; None when it is in none of them (it may still be downloaded)."""
    for folder in data_dirs(manifest):
        if (folder / name).is_file():
            return folder / name
    return embedded_copy(manifest, name)


def sha256_file(path: Path) -> str:
    """The SHA-256 (hex) of the content of the file at `path` (decompressed, for .xz), read
    in 1 MiB blocks."""
    digest = hashlib.sha256()
    with lzma.open(path, "rb") if path.suffix == ".xz" else open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _extract(archive: bytes, wanted: set[str], folder: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(archive)) as outer:
        for member in outer.namelist():
            name = Path(member).name
            if name in wanted:
                tmp = folder / f".{name}.part"
                tmp.write_bytes(outer.read(member))
                tmp.replace(folder / name)
            elif name.endswith(".zip"):
                _extract(outer.read(member), wanted, folder)


def _download(
    manifest: DatasetManifest, download: Download, folder: Path, missing: list[str]
) -> None:
    url = download.url
    folder.mkdir(parents=True, exist_ok=True)
    log.info("downloading dataset %s from %s", manifest.name, url)
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            archive = response.read()
    except OSError as e:
        raise DataError(
            f"data files {', '.join(missing)} are not in {folder} and the download from {url} "
            f"failed ({e}). {manifest.obtain}"
        ) from e
    log.info("downloaded %d bytes of dataset %s", len(archive), manifest.name)
    if download.sha256 and hashlib.sha256(archive).hexdigest() != download.sha256:
        raise DataError(f"download from {url} does not match its sha256 in the manifest")
    _extract(archive, set(missing), folder)


def unobtainable(manifest: DatasetManifest, names: list[str]) -> str | None:
    """Why the named files cannot be had (absent, and the manifest has no download), with
    how to get them and the columns they must hold; None when they are there or can be
    downloaded."""
    missing = [name for name in names if find_file(manifest, name) is None]
    if not missing or manifest.download is not None:
        return None
    looked = " nor in ".join(str(folder) for folder in data_dirs(manifest))
    return (f"data file(s) {', '.join(missing)} of dataset {manifest.name!r} not found in "
            f"{looked}. {manifest.obtain} Columns: {', '.join(manifest.columns)}. Published at "
            f"{manifest.url}.")  # fmt: skip


def locate_files(manifest: DatasetManifest, names: list[str]) -> list[Path]:
    """Paths of the named files (`find_file`), downloading the missing ones once into the
    cache when the manifest allows it.

    Each file with a sha256 in the manifest is checked; a mismatch is an error.
    """
    missing = [name for name in names if find_file(manifest, name) is None]
    absent = unobtainable(manifest, names)
    if absent is not None:
        raise DataError(absent)
    if missing and manifest.download is not None:
        _download(manifest, manifest.download, cache_dir(manifest), missing)
    expected = {f.name: f.sha256 for f in manifest.files}
    paths = []
    for name in names:
        path = find_file(manifest, name)
        if path is None:
            raise DataError(f"{name} is not in the archive of dataset {manifest.name!r}")
        if expected.get(name) and sha256_file(path) != expected[name]:
            raise DataError(f"{path} does not match its sha256 in datasets/{manifest.name}.yaml")
        paths.append(path)
    return paths
