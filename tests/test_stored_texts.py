"""Source texts kept in a TextStore (model.StoredSource): read as the strings they were, equal
to plain Sources, and read by the text rules without making a string of every text."""
from __future__ import annotations

import dataclasses
import pickle

import pyarrow as pa
import pytest

from figcheck.model import Source, StoredSource, StoredText, TextStore, Where, stored_texts, text_column, text_lengths


def _stored(texts, chunk=2):
    store = TextStore(pa.chunked_array([pa.array(texts[k:k + chunk], type=pa.large_string())
                                        for k in range(0, len(texts), chunk)], type=pa.large_string()))
    return [StoredSource(f"s{i}", f"{i}.txt", f"/x/{i}.txt", "", None, "de", StoredText(store, i), Where("f", i + 1))
            for i in range(len(texts))], store


def test_a_stored_source_is_the_source_of_its_text():
    texts = ["Etwa 11.000 Soldaten. Dazu 3 Panzer.", "", "Über 5 Mio. €"]
    stored, _ = _stored(texts)
    plain = [Source(f"s{i}", f"{i}.txt", f"/x/{i}.txt", "", None, "de", t, Where("f", i + 1)) for i, t in enumerate(texts)]
    assert [s.text for s in stored] == texts
    assert stored == plain and plain == stored and hash(stored[0]) == hash(plain[0])
    assert stored[0] != plain[2]
    copied = pickle.loads(pickle.dumps(stored[0]))
    assert type(copied) is Source and copied == plain[0]
    changed = dataclasses.replace(stored[0], text="anders")
    assert changed.text == "anders" and changed.title == ""
    with pytest.raises(dataclasses.FrozenInstanceError):
        stored[0].title = "x"


def test_texts_standing_together_in_a_store_are_read_as_a_column():
    texts = ["a. b", "ä€ x", "", "c"]
    stored, store = _stored(texts)
    assert stored_texts(stored[1:3]) == (store, 1)
    assert text_column(stored[1:]).to_pylist() == texts[1:]
    assert text_lengths(stored).tolist() == [len(t) for t in texts]
    # not one after the other, or not all stored: the strings
    assert stored_texts([stored[0], stored[2]]) is None
    plain = Source("p", "p.txt", "p.txt", "", None, "de", "xyz", Where("f", 1))
    assert text_column(stored[:2] + [plain]) is None
    assert text_lengths(stored[:2] + [plain]).tolist() == [4, 4, 3]
    # texts of several stores (sources read from several files), in any order: a column of
    # their slices, lengths from each store
    other, _ = _stored(["zweite. Datei", "x"], chunk=1)
    mixed = [other[1], stored[3], stored[0], stored[1], other[0]]
    assert text_column(mixed).to_pylist() == [s.text for s in mixed]
    assert text_lengths(mixed).tolist() == [len(s.text) for s in mixed]
    assert text_column([]) is None


def test_source_texts_in_small_batches_read_as_the_decoder_reads(tmp_path, monkeypatch):
    import figcheck.load as load_module

    contents = [b"Etwa 11.000 Soldaten.", b"\xff\xfe", "Über „5“".encode(), b"", b"\xed\xa0\x80 surrogate",
                b"abc\xe2\x82", "ok €".encode()]
    sources = {}
    for i, data in enumerate(contents):
        (tmp_path / f"{i}.txt").write_bytes(data)
        sources[f"s{i}"] = Source(f"s{i}", f"{i}.txt", str(tmp_path / f"{i}.txt"), "", None, "de", "", Where("f", i + 2))
    sources["gone"] = Source("gone", "gone.txt", str(tmp_path / "gone.txt"), "", None, "de", "", Where("f", 20))
    monkeypatch.setattr(load_module, "_TEXT_BATCH", 3)
    texts, problems = load_module.source_texts(sources, {})
    want = {}
    for i, data in enumerate(contents):
        try:
            want[f"s{i}"] = data.decode("utf-8")
        except UnicodeDecodeError:
            want[f"s{i}"] = ""
    want["gone"] = ""
    assert {sid: s.text for sid, s in texts.items()} == want
    assert all(type(s) is StoredSource for s in texts.values())
    assert sorted(p.line for p in problems) == [3, 6, 7, 20]
    assert text_lengths(list(texts.values())).tolist() == [len(t) for t in want.values()]


def test_cutting_and_placing_a_parts_texts_makes_no_text_string(tmp_path, monkeypatch):
    """The worker cuts the texts into sentences and places the quotes where the texts stand in
    the store, and sizes its chunks from their lengths: no string is made of any text (a string
    made is private to the process; reading the loader's strings would copy their pages)."""
    from conftest import generated_archive
    from figcheck import coverage, prefetch
    from figcheck.load import load

    generated_archive(tmp_path, 3000, seed=5, planted_rate=0.0, forms=("csv",))
    corpus = load([tmp_path / "csv"], use_cache=False)
    assert stored_texts(list(corpus.sources.values())) is not None
    read = []
    real = StoredSource.text
    monkeypatch.setattr(StoredSource, "text", property(lambda self: read.append(self.id) or real.fget(self)))
    monkeypatch.setenv("FIGCHECK_TEXT_WORKER", "auto")
    prefetch.wanted(corpus)
    chunk = prefetch.source_chunks(corpus, 3)[1]
    part = prefetch.source_part(corpus, chunk)
    table = coverage.corpus_sentences(part)
    first, _ = coverage.quote_places(part)
    assert read == []
    # what was made from the store is what the strings give
    monkeypatch.setattr(StoredSource, "text", real)
    texts = [part.sources[sid].text for sid in chunk]
    from figcheck.sentences import Sentences, reference_places

    want = Sentences(texts)
    assert table.code.tolist() == want.code.tolist() and table.distinct == want.distinct
    assert first.tolist() == reference_places(texts, coverage._row_sources(part), coverage._quotes(part))[0].tolist()
