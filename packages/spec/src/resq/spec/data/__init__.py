"""Data sets, torch-free (the CSV reader and numpy): find a spec's data files (`files`),
read their columns (`table`), cut them into scaled, split windows (`windows`), and check
them for `spec validate` (`inspect`)."""

from resq.spec.data.files import (
    DATA_HOME_ENV,
    DataError,
    cache_dir,
    data_dirs,
    embedded_copy,
    find_file,
    locate_files,
    sha256_file,
    unobtainable,
)
from resq.spec.data.inspect import inspect_data
from resq.spec.data.table import Table, malformed_rows, read_table
from resq.spec.data.windows import MinMax, Split, WindowedData, file_digests, load_windows

__all__ = [
    "DATA_HOME_ENV",
    "DataError",
    "MinMax",
    "Split",
    "Table",
    "WindowedData",
    "cache_dir",
    "data_dirs",
    "embedded_copy",
    "file_digests",
    "find_file",
    "inspect_data",
    "load_windows",
    "locate_files",
    "malformed_rows",
    "read_table",
    "sha256_file",
    "unobtainable",
]
