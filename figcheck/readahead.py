"""What the load will read, read while Python is still importing the rest of figcheck.

Starting figcheck imports pandas, numpy and figcheck's own modules: ~0.3 s in which one core
runs the interpreter and the other idles. So the command line starts reading its inputs in
threads (`start`) before it imports anything else:
- an archive's tables, which arrow parses without the GIL; columnar.read_table takes the parsed
  table (`arrow_table`). A read is used only for the same regular file, unchanged since
  (cache.file_status: device, inode, size, modification and change times), read with the same
  options; anything else is read then, as it would have been. A
  read that failed fails in the load, where its error becomes the usual file:line message.
- for TOML files, their whole load's parse-cache entry: read and its signatures checked (file
  reads and HMAC release the GIL), not unpickled; the load takes it (`joined`) for the very
  same files and cache.

This module imports no pandas: it is imported before it.
"""
from __future__ import annotations

import threading
from pathlib import Path

# the archive's tables, by the kind of entry a row of each is
KINDS_FILES = {"source": "sources", "quantity": "quantities", "figure": "figures",
               "relation": "relations", "rate": "rates", "skip": "skips"}
# columns whose cells (nearly) all differ: encoding them would only add a hash pass
UNIQUE_COLUMNS = {"id", "expr", "key", "description"}
# columns validate_figures and validate_relations read as arrow strings (ids: checked by arrow
# kernels before their Python strings are made)
ARROW_COLUMNS = {"figure": frozenset({"id"}), "relation": frozenset({"id"})}


def archive_folder(path: Path) -> tuple[Path, str] | None:
    """(folder, suffix) of an archive given as its folder or any of its files; None for a
    folder with no figures table in it."""
    if path.is_dir():
        for suffix in (".parquet", ".csv"):
            if (path / f"figures{suffix}").exists():
                return path, suffix
        return None
    return path.parent, path.suffix.lower()


def read_arrow(path: Path, arrow=frozenset()):
    """The file's table as arrow read it: every CSV cell as a string (an empty cell is ''),
    Parquet's repeating text columns as dictionary codes, except the columns in `arrow`."""
    import pyarrow as pa

    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        # text columns that repeat values read as dictionary codes: no string per cell
        schema = pq.read_schema(path)
        coded = [f.name for f in schema if f.name not in UNIQUE_COLUMNS and f.name not in arrow
                 and (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))]
        # arrow's own pool (mimalloc) keeps ~45 MB of what decoding a million-row file freed
        # resident, release_unused() or not; glibc's gives it back (collector.give_back_free_memory).
        # Set for the process, not around this read: a buffer is freed to the pool it came from,
        # and another thread's read may run meanwhile
        pa.set_memory_pool(pa.system_memory_pool())
        return pq.read_table(path, read_dictionary=coded)
    import csv

    import pyarrow.csv as pv

    with open(path, newline="", encoding="utf-8") as f:
        header = next(csv.reader(f), [])
    # one thread per file: the relations file is parsed beside the figures file, and arrow's own
    # threads only add their overhead on two cores
    return pv.read_csv(path, read_options=pv.ReadOptions(use_threads=False),
                       parse_options=pv.ParseOptions(newlines_in_values=True),
                       convert_options=pv.ConvertOptions(column_types={c: pa.string() for c in header},
                                                         strings_can_be_null=False))


class _Read:
    """One file's read in a thread: its table or what it raised."""

    def __init__(self, path: Path, arrow, identity):
        self.path, self.arrow, self.identity = path, arrow, identity
        self.table = self.error = None
        self.thread = threading.Thread(target=self._run, name=f"figcheck-read-{path.name}", daemon=True)

    def _run(self):
        try:
            self.table = read_arrow(self.path, self.arrow)
        except Exception as exc:     # raised where the load asks for the table
            self.error = exc


_PENDING: dict[Path, _Read] = {}
_LOCK = threading.Lock()


def start(paths, use_cache: bool = True) -> None:
    """Begin reading the tables of every archive among `paths` (folders or their table files),
    or, for TOML files only, their whole load's cache entry. Anything unreadable is left to the
    load, which says what is wrong with it. Never raises."""
    try:
        _start(paths, use_cache)
    except Exception:
        pass


def _start(paths, use_cache: bool) -> None:
    import importlib

    from .cache import file_status
    from .paths import display_path, is_columnar

    given = [Path(p) for p in paths]
    if not any(is_columnar(p) for p in given):
        if use_cache and given:
            _start_joined([(p, display_path(p)) for p in given])
        return
    reads = {}
    for found in map(archive_folder, given):
        if found is None or found[1] not in (".csv", ".parquet"):
            continue
        folder, suffix = found
        for kind, name in KINDS_FILES.items():
            path = folder / f"{name}{suffix}"
            identity = file_status(path)
            if identity is not None and path not in _PENDING and path not in reads:
                reads[path] = _Read(path, ARROW_COLUMNS.get(kind, frozenset()), identity)
    # the readers' modules imported here, not raced for by the threads and pandas
    for suffix in {path.suffix for path in reads}:
        importlib.import_module("pyarrow.csv" if suffix == ".csv" else "pyarrow.parquet")
    for path, read in reads.items():
        with _LOCK:
            _PENDING[path] = read
        read.thread.start()


def arrow_table(path: Path, arrow=frozenset()):
    """The table of `path` (read_arrow): the one started for it if that read the same file
    with the same options, else read now."""
    with _LOCK:
        read = _PENDING.pop(path, None)
    if read is not None:
        from .cache import file_status

        read.thread.join()
        if read.arrow == frozenset(arrow) and read.identity == file_status(path):
            if read.error is not None:
                raise read.error
            return read.table
    return read_arrow(path, arrow)


class _JoinedRead:
    """A whole load's cache entry read in a thread: `named` its (slot, key) or None, and its
    pieces (taken once) or None."""

    def __init__(self, items):
        self.items, self.cache, self.named, self._pieces = items, None, None, None
        self.thread = threading.Thread(target=self._run, name="figcheck-read-cache", daemon=True)

    def _run(self):
        from .cache import open_cache

        try:
            cache = open_cache()
            if cache is None:
                return
            self.cache = cache.root, cache.secret
            self.named = cache.joined_name(self.items)
            if self.named is not None:
                self._pieces = cache.read_joined(*self.named)
        except Exception:   # the load finds the same and says so, or reads the files
            self.cache = None

    def take_pieces(self):
        """The pieces (as ParseCache.read_joined gives them), or None; this holds them no
        longer: a whole load's body (~200 MB at 1M figures) is freed once it is unpickled,
        before the text worker is forked."""
        pieces, self._pieces = self._pieces, None
        return pieces


_JOINED: list[_JoinedRead] = []


def _start_joined(items) -> None:
    read = _JoinedRead(items)
    with _LOCK:
        _JOINED.append(read)
    read.thread.start()


def joined(items, cache) -> _JoinedRead | None:
    """The read of `cache`'s whole load of these (path, display) items (its `named` and
    `take_pieces`), if one was made for these very items in that cache (its folder and key);
    None if not (the load then looks)."""
    with _LOCK:
        read = _JOINED.pop() if _JOINED else None
    if read is None:
        return None
    read.thread.join()
    if read.items != list(items) or read.cache != (cache.root, cache.secret):
        return None
    return read


def discard() -> None:
    """Forget the reads nobody asked for (the load stopped at a bad file before them)."""
    with _LOCK:
        _PENDING.clear()
        _JOINED.clear()
