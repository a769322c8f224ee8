"""The parse cache's notes: a file whose status was noted is taken from the cache without being
read; any write moves its status, so an edited file is read and parsed again; a note is written
only for a file whose times are settled, and a note that fails its signature is ignored."""
from __future__ import annotations

import os
import time

import pandas as pd
import pytest

import figcheck.cache as cache_module
import figcheck.load as load_module
from figcheck.load import load

from conftest import figure, write_figures


@pytest.fixture
def files(corpus_dir, monkeypatch):
    monkeypatch.setenv("FIGCHECK_CACHE_DIR", str(corpus_dir / "cache"))
    write_figures(corpus_dir, figure("f1") + "\n" + figure("f2", value='"12.000"'), name="a.toml")
    write_figures(corpus_dir, figure("g1", value="11000"), name="b.toml", header=False)
    return [corpus_dir / "a.toml", corpus_dir / "b.toml"]


def _reads(monkeypatch) -> list:
    """The names of the figures files read from here on."""
    read = []
    real = load_module.read_toml_bytes
    monkeypatch.setattr(load_module, "read_toml_bytes", lambda path, display: read.append(path.name) or real(path, display))
    return read


def _notes(folder) -> list:
    return [p for p in (folder / "cache" / "notes").rglob("*") if p.is_file()]


def test_a_settled_file_is_noted_and_then_not_read(files, corpus_dir, monkeypatch):
    monkeypatch.setattr(cache_module, "SETTLED_NS", -(10 ** 18))   # every file's times count as settled
    first = load(files)
    assert len(_notes(corpus_dir)) == len(files)
    read = _reads(monkeypatch)
    again = load(files)
    assert read == []
    pd.testing.assert_frame_equal(again.figures.df, first.figures.df)
    pd.testing.assert_frame_equal(again.figures.df, load(files, use_cache=False).figures.df)


def test_a_file_written_after_its_note_is_read_and_parsed_again(files, corpus_dir, monkeypatch):
    monkeypatch.setattr(cache_module, "SETTLED_NS", -(10 ** 18))
    load(files)
    time.sleep(0.05)   # past the clock tick the file was written in
    edited = files[0]
    before = os.stat(edited)
    text = edited.read_text(encoding="utf-8")
    assert text.count('"12.000"') == 1
    edited.write_text(text.replace('"12.000"', '"13.000"'), encoding="utf-8")   # same size
    os.utime(edited, ns=(before.st_atime_ns, before.st_mtime_ns))   # and its modification time set back
    assert os.stat(edited).st_size == before.st_size
    read = _reads(monkeypatch)
    parsed = []
    real = load_module.parse_file
    monkeypatch.setattr(load_module, "parse_file", lambda path, *a, **k: parsed.append(path.name) or real(path, *a, **k))
    got = load(files)
    assert read.count("a.toml") >= 1 and parsed == ["a.toml"] and "b.toml" not in read
    assert 13000.0 in got.figures.df["low"].tolist()
    pd.testing.assert_frame_equal(got.figures.df, load(files, use_cache=False).figures.df)


def test_a_file_just_written_gets_no_note(files, corpus_dir):
    load(files)
    load(files)
    assert _notes(corpus_dir) == []


def test_a_note_that_fails_its_signature_is_ignored(files, corpus_dir, monkeypatch):
    monkeypatch.setattr(cache_module, "SETTLED_NS", -(10 ** 18))
    expected = load(files).figures.df
    notes = _notes(corpus_dir)
    assert notes
    for note in notes:   # each note now points at the other file's entry
        data = bytearray(note.read_bytes())
        data[-1] ^= 0x01
        note.write_bytes(bytes(data))
    read = _reads(monkeypatch)
    pd.testing.assert_frame_equal(load(files).figures.df, expected)
    assert sorted(read) == ["a.toml", "b.toml"]


def test_status_names_only_regular_files(tmp_path):
    (tmp_path / "x.toml").mkdir()
    assert cache_module.file_status(tmp_path / "x.toml") is None
    assert cache_module.file_status(tmp_path / "missing.toml") is None
    (tmp_path / "f.toml").write_text("x", encoding="utf-8")
    status = cache_module.file_status(tmp_path / "f.toml")
    assert status is not None and status[2] == 1
    assert not cache_module.settled(status)
    assert cache_module.settled(status, now_ns=max(status[3], status[4]) + cache_module.SETTLED_NS + 1)
