"""Tables parsed while figcheck imports (figcheck.readahead): the load gets exactly the table it
would have read itself, or reads again when the file or the options are not the ones read."""
from __future__ import annotations

import os
import threading

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import generated_archive

from figcheck import readahead
from figcheck.cli import main


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    root = tmp_path_factory.mktemp("readahead")
    generated_archive(root, 300, seed=11, forms=("csv", "parquet"))
    return root


@pytest.fixture(autouse=True)
def nothing_pending():
    readahead.discard()
    yield
    readahead.discard()


def _read_in_threads(monkeypatch) -> list[str]:
    """The files read_arrow parses, in threads other than the caller's."""
    seen = []
    original = readahead.read_arrow

    def spy(path, arrow=frozenset()):
        if threading.current_thread() is not threading.main_thread():
            seen.append(path.name)
        return original(path, arrow)

    monkeypatch.setattr(readahead, "read_arrow", spy)
    return seen


@pytest.mark.parametrize("form", ["csv", "parquet"])
def test_a_started_read_is_the_table_the_load_reads(archives, form, monkeypatch):
    folder = archives / form
    in_threads = _read_in_threads(monkeypatch)
    readahead.start([str(folder)])
    suffix = "." + form
    for kind, name in readahead.KINDS_FILES.items():
        path = folder / f"{name}{suffix}"
        if not path.exists():
            continue
        arrow = readahead.ARROW_COLUMNS.get(kind, frozenset())
        got = readahead.arrow_table(path, arrow)
        assert got.equals(readahead.read_arrow(path, arrow)), name
    assert sorted(in_threads) == sorted(p.name for p in folder.iterdir() if p.suffix == suffix)
    assert readahead._PENDING == {}


def test_a_file_changed_after_the_read_began_is_read_again(tmp_path):
    path = tmp_path / "figures.csv"
    path.write_text("id,value\nf1,1\n", encoding="utf-8")
    readahead.start([str(tmp_path)])
    readahead._PENDING[path].thread.join()     # the old content read
    path.write_text("id,value\nf1,1\nf2,22\n", encoding="utf-8")
    os.utime(path, ns=(1, 1))   # a different mtime even on a coarse clock
    got = readahead.arrow_table(path, readahead.ARROW_COLUMNS["figure"])
    assert got.column("id").to_pylist() == ["f1", "f2"]


def test_other_options_read_again(tmp_path):
    path = tmp_path / "figures.parquet"
    pq.write_table(pa.table({"id": ["a", "b", "a"], "unit": ["x", "x", "y"]}), path)
    readahead.start([str(tmp_path)])       # figures: ids kept as strings, the rest as codes
    plain = readahead.arrow_table(path, frozenset({"id", "unit"}))
    assert not pa.types.is_dictionary(plain.column("unit").type)
    assert pa.types.is_dictionary(readahead.read_arrow(path, frozenset({"id"})).column("unit").type)


def test_what_is_not_an_archive_starts_nothing(tmp_path):
    (tmp_path / "figures.toml").write_text("", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    readahead.start([str(tmp_path / "figures.toml"), str(tmp_path / "empty"), str(tmp_path / "missing"),
                     "\x00bad"])
    assert readahead._PENDING == {}


@pytest.mark.parametrize("broken", [b"id,source\n\"f1,s1\n", b"\xff\xfe not utf-8 \xff\n"])
def test_a_broken_table_read_early_gives_the_message_read_late_gives(tmp_path, broken, capsys, monkeypatch):
    (tmp_path / "figures.csv").write_bytes(broken)
    messages = []
    for early in (True, False):
        if not early:
            monkeypatch.setattr(readahead, "start", lambda paths, use_cache=True: None)
        assert main(["check", str(tmp_path)]) == 2
        messages.append(capsys.readouterr().err)
    assert messages[0] == messages[1]
    assert messages[0].startswith(f"{tmp_path / 'figures.csv'}:1:") or "figures.csv:1:" in messages[0]
    assert "Traceback" not in messages[0]
    assert readahead._PENDING == {}


def test_the_command_line_reads_an_archive_ahead_and_finds_the_same(archives, capsys, monkeypatch):
    folder = archives / "csv"
    outputs = []
    for early in (True, False):
        in_threads = _read_in_threads(monkeypatch)
        if not early:
            monkeypatch.setattr(readahead, "start", lambda paths, use_cache=True: None)
        code = main(["check", "--format", "json", str(folder)])
        outputs.append((code, capsys.readouterr().out))
        assert ("figures.csv" in in_threads) == early
        assert readahead._PENDING == {}
    assert outputs[0] == outputs[1]
    assert '"code"' in outputs[0][1]


def test_reads_the_load_never_asked_for_are_let_go(archives, tmp_path, capsys):
    folder = tmp_path / "archive"
    folder.mkdir()
    for p in (archives / "csv").iterdir():
        if p.is_file():
            (folder / p.name).write_bytes(p.read_bytes())
    # a sources file that cannot be read stops the load before the figures are asked for
    (folder / "sources.csv").write_bytes(b"id,title\n\xff\n")
    assert main(["check", str(folder)]) == 2
    assert readahead._PENDING == {}


@pytest.fixture
def toml_files(tmp_path, monkeypatch) -> list[str]:
    import figcheck.cache as cache_module

    monkeypatch.setenv("FIGCHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache_module, "SETTLED_NS", -(10 ** 18))   # every file's times count as settled
    generated_archive(tmp_path, 300, seed=7, forms=("toml",), sources_per_file=3)
    return [str(p) for p in sorted((tmp_path / "toml").glob("*.toml"))]


def _spy_joined(monkeypatch) -> list:
    """The pieces every ParseCache.get_joined was given (None: it read the entry itself)."""
    import figcheck.cache as cache_module

    given = []
    real = cache_module.ParseCache.get_joined

    def spy(self, slot, key, on_head=None, pieces=None):
        given.append(pieces)
        return real(self, slot, key, on_head, pieces)

    monkeypatch.setattr(cache_module.ParseCache, "get_joined", spy)
    return given


def test_a_whole_load_read_ahead_is_the_entry_the_load_reads(toml_files, monkeypatch, tmp_path):
    import pandas as pd

    from figcheck.load import load

    def check(name):
        assert main(["check", "--format", "json", "-o", str(tmp_path / name), *toml_files]) == 1
        return (tmp_path / name).read_bytes()

    check("cold.json")
    warm = check("warm.json")     # the whole load is kept from here on
    given = _spy_joined(monkeypatch)
    assert check("ahead.json") == warm
    assert len(given) == 1 and given[0] is not None and len(given[0]) == 2
    assert readahead._JOINED == []
    # the load reading the entry itself makes the same corpus
    readahead.start(toml_files)
    ahead = load(toml_files)
    assert given[-1] is not None
    itself = load(toml_files)
    assert given[-1] is None
    pd.testing.assert_frame_equal(ahead.figures.df, itself.figures.df)
    pd.testing.assert_frame_equal(ahead.relations.df, itself.relations.df)
    assert ahead.sources == itself.sources and ahead.quantities == itself.quantities


def test_a_whole_load_read_ahead_for_other_files_or_another_cache_is_not_used(toml_files, monkeypatch, tmp_path):
    from figcheck.load import load

    load(toml_files)
    load(toml_files)
    given = _spy_joined(monkeypatch)
    readahead.start(toml_files[:-1])        # not the files loaded
    load(toml_files)
    assert given[-1] is None
    readahead.start(toml_files)
    monkeypatch.setenv("FIGCHECK_CACHE_DIR", str(tmp_path / "other"))   # not the cache loaded from
    load(toml_files)
    assert given == [None]                  # the other cache holds no whole load: none to get
    assert readahead._JOINED == []


def test_no_cache_reads_nothing_ahead(toml_files):
    readahead.start(toml_files, use_cache=False)
    assert readahead._JOINED == [] and readahead._PENDING == {}


def test_a_tampered_whole_load_is_not_read_ahead(toml_files):
    from pathlib import Path

    import figcheck.cache as cache_module
    from figcheck.load import load
    from figcheck.paths import display_path

    load(toml_files)
    load(toml_files)
    cache = cache_module.open_cache()
    named = cache.joined_name([(Path(p), display_path(Path(p))) for p in toml_files])
    assert cache.read_joined(*named) is not None
    entry = cache._joined_path(named[0])
    data = bytearray(entry.read_bytes())
    data[-1] ^= 1                      # the body's last byte
    entry.write_bytes(bytes(data))
    assert cache.read_joined(*named) is None
    assert cache.get_joined(*named) is None


def test_a_whole_load_read_ahead_is_freed_before_the_worker_may_fork(toml_files, monkeypatch):
    """The body read ahead (~200 MB at a million figures) is let go once it is unpickled: a
    text worker forked by `ready` would otherwise keep it for its whole life."""
    import weakref

    import figcheck.cache as cache_module
    from figcheck.load import load

    load(toml_files)
    load(toml_files)                      # the whole load is kept
    bodies = []
    real = cache_module.ParseCache.get_joined

    def spy(self, slot, key, on_head=None, pieces=None):
        if pieces is not None:
            bodies.append(weakref.ref(pieces[1].obj))    # the buffer the body was read into
        return real(self, slot, key, on_head, pieces)

    monkeypatch.setattr(cache_module.ParseCache, "get_joined", spy)
    alive_at_ready = []
    readahead.start(toml_files)
    load(toml_files, ready=lambda corpus: alive_at_ready.extend(body() is not None for body in bodies))
    assert len(bodies) == 1 and alive_at_ready == [False]
