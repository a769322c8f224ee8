"""The parse cache: a figures file already parsed (same bytes, same path, same figcheck) is not
parsed again. Entries live under the user's cache directory, one per file and content hash.

An entry is a pickle, and unpickling runs code: so every entry is signed with HMAC-SHA256
under a random key kept in the cache directory (readable by its owner only), and an entry
whose signature does not verify — truncated, edited, planted, or from another figcheck — is
ignored and the file parsed again. A cache that cannot be written never stops a check.

A file whose bytes were hashed before is found without reading it again: a small signed note,
named by the file's path and its status (device, inode, size, modification and change times),
points at the entry of its bytes. Every write to a file moves its change time, which no user
can set back: a note is written only for a file whose times lie seconds in the past (a file
written in the same clock tick as the note could otherwise keep its times), and only when its
status did not move while it was read.

FIGCHECK_CACHE_DIR moves it; FIGCHECK_CACHE_DIR=off (or --no-cache) turns it off.

The model's records (Quantity, Source, Where, ...) are pickled as calls of their classes: a
frozen dataclass otherwise unpickles through a Python __setstate__ that sets each field in
turn, which took most of a warm load's time for the ~200k quantities of a million figures.

A frame (a file's figures or relations) is pickled as plain columns: each text column as
integer codes and its distinct strings, so an entry unpickles a file's few hundred distinct
units, sources and quotes and one array of codes per column, not a reference per cell and
pandas' blocks (half a warm million-figure load's unpickling).

A whole load of many files (figcheck.load.Joined) is one entry in two signed pieces: a small
head (the sources, whose texts a thread reads at once) and the body, read by one call and
signed without the GIL meanwhile. Its quantities are columns (frames.QuantityFrame), its
figures' quantity strings the quantities' own keys, and its relation groups name figures by
their rows: a warm load makes no record per quantity and reads no name twice.
"""
from __future__ import annotations

import copyreg
import dataclasses
import functools
import hashlib
import hmac
import io
import operator
import os
import pickle
import secrets
import stat as stat_module
import tempfile
import time
from importlib import resources
from pathlib import Path

_SIGNATURE = 32


def cache_root() -> Path | None:
    configured = os.environ.get("FIGCHECK_CACHE_DIR")
    if configured is not None:
        return None if configured.strip().lower() in ("", "off", "0", "no") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "figcheck"


@functools.lru_cache(maxsize=1)
def code_version() -> bytes:
    """What a parse depends on besides the file: figcheck's version, the loader's code, the units."""
    import figcheck

    h = hashlib.sha256(figcheck.__version__.encode())
    package = resources.files("figcheck")
    for name in ("cache.py", "load.py", "numbers.py", "frames.py", "model.py", "relations.py", "units.py", "units.txt"):
        try:
            h.update((package / name).read_bytes())
        except OSError:
            h.update(name.encode())
    return h.digest()


def _as_call(record):
    """A frozen record as the call that makes it: Quantity(key, description, ...)."""
    cls = type(record)
    return cls, _fields_of(cls)(record)


@functools.lru_cache(maxsize=None)
def _fields_of(cls):
    """A function giving a record's fields as a tuple, in their order (one C call per record)."""
    getter = operator.attrgetter(*(f.name for f in dataclasses.fields(cls)))
    if len(dataclasses.fields(cls)) == 1:   # attrgetter of one name gives the value, not a tuple
        return lambda record: (getter(record),)
    return getter


def _frame_as_columns(frame):
    """A DataFrame as the call that makes it from plain columns (see frame_from_columns); a frame
    of another shape (an index other than 0..n-1, names that are not strings) as pandas pickles it."""
    import numpy as np
    import pandas as pd

    if "unit_id" in frame.columns:   # a figure frame's unit numbers belong to this process (frames.as_frame renumbers)
        frame = frame.drop(columns="unit_id")
    index = frame.index
    if (not isinstance(index, pd.RangeIndex) or index.start != 0 or index.step != 1
            or type(frame.columns) is not pd.Index or not frame.columns.is_unique
            or not all(type(c) is str for c in frame.columns)):
        return frame.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
    columns = []
    for name in frame.columns:
        if not isinstance(frame[name].dtype, np.dtype):   # an extension dtype (category, arrow): as pandas pickles it
            return frame.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
        columns.append(column_as_codes(name, frame[name].to_numpy()))
    return frame_from_columns, (len(frame), columns)


def column_as_codes(name: str, values):
    """A frame's column as a cache entry keeps it: (name, codes, distinct strings) for a text
    column whose cells repeat, else (name, values, None)."""
    import pandas as pd

    if values.dtype == object and len(values):
        try:
            codes, uniques = pd.factorize(values)
        except TypeError:   # an unhashable cell: the column as it is
            codes, uniques = None, ()
        # a column whose cells all differ (ids) stays as it is: codes would only add to it
        if (codes is not None and len(uniques) < len(values) and (codes >= 0).all()
                and all(type(u) is str for u in uniques)):
            return name, narrow_codes(codes, len(uniques)), list(uniques)
    return name, values, None


def narrow_codes(codes, distinct: int):
    """Codes as the narrowest integers that hold them: a whole load's entry is read and signed
    byte by byte."""
    import numpy as np

    return codes.astype(next(t for t in (np.int8, np.int16, np.int32, np.int64) if distinct <= np.iinfo(t).max))


def frame_columns(frame):
    """A DataFrame as the figcheck.frames.FrameColumns its cache entry holds, or None for a frame
    of another shape (which pandas pickles)."""
    made, args = _frame_as_columns(frame)
    return made(*args) if made is frame_from_columns else None


def frame_from_columns(rows: int, columns: list):
    """What _frame_as_columns pickled, as figcheck.frames.FrameColumns: load() joins the files'
    columns (frames.join_frames) without a frame per file; .frame() makes one."""
    from .frames import FrameColumns

    return FrameColumns(rows, columns)


def _array_as_call(array):
    """An array as pickle writes it, but one cell repeated (a column nobody wrote, frames.constant)
    as that cell and its row count: numpy would write every row (8 MB per million)."""
    from .frames import is_repeated, repeated_cell

    if is_repeated(array):
        return repeated_cell, (array[:1].copy(), len(array))
    return array.__reduce_ex__(pickle.HIGHEST_PROTOCOL)


@functools.lru_cache(maxsize=1)
def _dispatch_table() -> dict:
    import numpy as np
    import pandas as pd

    from . import model

    table = copyreg.dispatch_table.copy()
    for cls in (model.Where, model.Source, model.Quantity, model.Period, model.Rate, model.Skip):
        table[cls] = _as_call
    table[pd.DataFrame] = _frame_as_columns
    table[np.ndarray] = _array_as_call
    return table


def dumps(value) -> bytes:
    """A cache payload: pickle, with the model's records written as calls of their classes."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _dispatch_table()
    pickler.dump(value)
    return out.getvalue()


class ParseCache:
    def __init__(self, root: Path, secret: bytes):
        self.root = root
        self.secret = secret

    def key(self, resolved: str, display: str, data: bytes) -> str:
        h = hashlib.sha256(code_version())
        for piece in (resolved.encode(), display.encode(), data):
            h.update(len(piece).to_bytes(8, "little"))
            h.update(piece)
        return h.hexdigest()

    # A whole load (figcheck.load.Joined) is as large as all its files' entries together: one is
    # kept per set of files (its slot, named by their paths), replaced when any of them changes,
    # so that a cache does not grow by a whole archive on every edit.

    def joined_slot(self, files: list[tuple[str, str]]) -> str:
        """The slot of a whole load of these (resolved path, display) files, in this order."""
        h = hashlib.sha256(code_version())
        for resolved, display in files:
            for piece in (resolved.encode(), display.encode()):
                h.update(len(piece).to_bytes(8, "little"))
                h.update(piece)
        return "j" + h.hexdigest()

    @staticmethod
    def joined_key(keys: list[str]) -> bytes:
        """What names the content of a whole load: its files' entry keys, in order."""
        h = hashlib.sha256(b"joined")
        for key in keys:
            h.update(key.encode("ascii"))
        return h.hexdigest().encode("ascii")

    def _joined_path(self, slot: str) -> Path:
        return self.root / "joined" / f"{slot}.pickle"

    # A whole load's entry is two signed pieces: a small head, verified and unpickled first (what
    # a caller can begin working on, `on_head`: the sources whose texts to read), then the body.
    # The body's signature covers the head's, so the pieces of two entries never pass as one:
    #   head signature | key | head length (8 bytes) | head | body signature | body

    def joined_name(self, items) -> tuple[str, bytes] | None:
        """(slot, key) of a whole load of these (path, display) figures files, when every one of
        them is noted by its status: their paths name the slot, their entries' keys the content.
        None for columnar input, which the cache does not keep."""
        from .paths import is_columnar

        if not items or any(is_columnar(path) for path, _ in items):
            return None
        files, keys = [], []
        for path, display in items:
            resolved, _, key = self.noted_key(path, display)
            if key is None:
                return None
            files.append((resolved, display))
            keys.append(key)
        return self.joined_slot(files), self.joined_key(keys)

    def noted_key(self, path: Path, display: str) -> tuple[str, tuple | None, str | None]:
        """(the file's resolved path, its status, the entry key its note names or None)."""
        resolved = str(path.resolve())
        status = file_status(path)
        known = None if status is None else self.known_key(self.stat_key(resolved, display, status))
        return resolved, status, known

    def _joined_pieces(self, slot: str, key: bytes):
        """The head, then the body, of the whole load in `slot`, each once its signature holds;
        nothing more once a piece is not key's or its signature fails."""
        with open(self._joined_path(slot), "rb") as f:
            start = f.read(_SIGNATURE + len(key) + 8)
            if len(start) != _SIGNATURE + len(key) + 8 or start[_SIGNATURE:-8] != key:
                return
            head_signature, size = start[:_SIGNATURE], int.from_bytes(start[-8:], "little")
            head = f.read(size)
            if len(head) != size or not hmac.compare_digest(head_signature, self._sign(slot, key, head)):
                return
            yield head
            body_signature = f.read(_SIGNATURE)
            body = _read_rest(f)
        if hmac.compare_digest(body_signature, self._sign(slot, key, head_signature, body)):
            yield body

    def read_joined(self, slot: str, key: bytes) -> tuple[bytes, memoryview] | None:
        """The head and body of the whole load in `slot`, both signatures checked, not unpickled:
        what get_joined takes as `pieces` (read in a thread while figcheck imports). None for no
        such entry."""
        try:
            pieces = tuple(self._joined_pieces(slot, key))
        except OSError:
            return None
        return pieces if len(pieces) == 2 else None

    def get_joined(self, slot: str, key: bytes, on_head=None, pieces=None):
        """(head, body) of the whole load in `slot` if it is the one of `key` (checked before
        anything is unpickled, as each piece's signature is); `on_head(head)` is called once the
        head is, while the body is still to be read and checked. `pieces`: what read_joined read
        of that entry before. None for no such entry."""
        try:
            read = iter(pieces if pieces is not None else self._joined_pieces(slot, key))
            head = next(read, None)
            if head is None:
                return None
            try:
                head_value = pickle.loads(head)
            except Exception:   # a signed entry from an incompatible library version
                return None
            if on_head is not None:
                on_head(head_value)
            body = next(read, None)
        except OSError:
            return None
        if body is None:
            return None
        try:
            return head_value, pickle.loads(body)
        except Exception:
            return None

    def put_joined(self, slot: str, key: bytes, head, body) -> None:
        """Keep a whole load in its slot (not synced: a torn entry fails its signature)."""
        try:
            head, body = dumps(head), dumps(body)
            head_signature = self._sign(slot, key, head)
            from .baseline import atomic_write

            atomic_write(self._joined_path(slot), (head_signature, key, len(head).to_bytes(8, "little"), head,
                                                   self._sign(slot, key, head_signature, body), body),
                         private=True, sync=False)
        except Exception:   # a full disk or a read-only home must not fail the check
            return

    def _sign(self, key: str, *payload) -> bytes:
        mac = hmac.new(self.secret, key.encode(), hashlib.sha256)
        for piece in payload:
            mac.update(piece)   # the MAC of key + payload, without joining them
        return mac.digest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.pickle"

    def _note_path(self, stat_key: str) -> Path:
        return self.root / "notes" / stat_key[1:3] / stat_key

    def get(self, key: str):
        try:
            blob = self._path(key).read_bytes()
        except OSError:
            return None
        signature, payload = blob[:_SIGNATURE], memoryview(blob)[_SIGNATURE:]
        if len(signature) != _SIGNATURE or not hmac.compare_digest(signature, self._sign(key, payload)):
            return None
        try:
            return pickle.loads(payload)
        except Exception:   # a signed entry from an incompatible library version
            return None

    def put(self, key: str, value) -> None:
        try:
            self.put_payload(key, dumps(value))
        except Exception:   # a value that cannot be pickled is simply not cached
            return

    def stat_key(self, resolved: str, display: str, status: tuple) -> str:
        """The name of a file's note: its path and status (file_status), for this figcheck."""
        h = hashlib.sha256(code_version())
        for piece in (resolved.encode(), display.encode(), repr(status).encode()):
            h.update(len(piece).to_bytes(8, "little"))
            h.update(piece)
        return "s" + h.hexdigest()

    def known_key(self, stat_key: str) -> str | None:
        """The entry key a file's note points at, if the note is there and its signature holds."""
        try:
            blob = self._note_path(stat_key).read_bytes()
        except OSError:
            return None
        signature, key = blob[:_SIGNATURE], blob[_SIGNATURE:]
        if len(signature) != _SIGNATURE or not hmac.compare_digest(signature, self._sign(stat_key, key)):
            return None
        try:
            return key.decode("ascii")
        except UnicodeDecodeError:
            return None

    def note_key(self, stat_key: str, key: str) -> None:
        """Write a file's note. Not synced to disk: a torn note fails its signature and is ignored."""
        payload = key.encode("ascii")
        try:
            from .baseline import atomic_write

            atomic_write(self._note_path(stat_key), self._sign(stat_key, payload) + payload, private=True, sync=False)
        except Exception:   # a full disk or a read-only home must not fail the check
            return

    def put_payload(self, key: str, payload: bytes) -> None:
        """Store a payload made by dumps()."""
        try:
            signature = self._sign(key, payload)
            from .baseline import atomic_write

            atomic_write(self._path(key), signature + payload, private=True)
        except Exception:   # a full disk or a read-only home must not fail the check
            return


def _read_rest(f) -> memoryview:
    """The rest of an open file, read by one call into memory not touched before: the GIL is
    released for the whole read (a thread reading the texts meanwhile runs), where read()
    takes it back between chunks, and its pages are first touched by the read itself."""
    import numpy as np

    raw = f.raw if hasattr(f, "raw") else f
    at = f.tell()
    raw.seek(at)   # (what the buffered reader read ahead is read again)
    size = os.fstat(raw.fileno()).st_size - at
    buffer = memoryview(np.empty(max(size, 0), dtype=np.uint8))
    got = 0
    while got < size:
        n = raw.readinto(buffer[got:])
        if not n:
            break
        got += n
    return buffer[:got]


SETTLED_NS = 2_000_000_000   # a file's times this far in the past: no write can still keep them


def file_status(path) -> tuple | None:
    """What changes whenever a regular file's bytes do (its change time moves on every write):
    (device, inode, size, modification time, change time); None for anything else."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat_module.S_ISREG(st.st_mode):
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def settled(status: tuple | None, now_ns: int | None = None) -> bool:
    """Whether a status can name a file's bytes: both its times lie SETTLED_NS in the past."""
    if status is None:
        return False
    now_ns = time.time_ns() if now_ns is None else now_ns
    return now_ns - max(status[3], status[4]) > SETTLED_NS


def _secret(root: Path) -> bytes | None:
    path = root / "key"
    try:
        data = path.read_bytes()
        if len(data) == 32:
            return data
    except OSError:
        pass
    try:
        root.mkdir(parents=True, exist_ok=True)
        data = secrets.token_bytes(32)
        fd, tmp = tempfile.mkstemp(dir=root, prefix=".key.")
        with os.fdopen(fd, "wb") as out:   # mkstemp creates it 0600
            out.write(data)
        os.replace(tmp, path)
        data = path.read_bytes()   # another process may have won the race: use its key
        return data if len(data) == 32 else None
    except OSError:
        return None


def open_cache() -> ParseCache | None:
    root = cache_root()
    if root is None:
        return None
    secret = _secret(root)
    return ParseCache(root, secret) if secret else None
