"""A shape group's relation ids (frames.TakenAt) read where they stand in the corpus's id
column: the same ids, in the same order, as the gathered array they replace."""
from __future__ import annotations

import numpy as np
from hypothesis import given, strategies as st

from figcheck.frames import TakenAt


@given(st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=30), st.data())
def test_ids_at_rows_read_as_the_gathered_ids(column, data):
    column = np.array(column, dtype=object)
    rows = np.array(data.draw(st.lists(st.integers(0, len(column) - 1), max_size=20)), dtype=np.int64)
    gathered = column[rows]
    ids = TakenAt(column, rows)
    assert len(ids) == len(gathered)
    assert list(ids) == gathered.tolist()
    assert [ids[i] for i in range(len(ids))] == gathered.tolist()
    assert np.asarray(ids, dtype=object).tolist() == gathered.tolist()
    if len(rows):
        mask = np.array(data.draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows))))
        assert ids[mask].tolist() == gathered[mask].tolist()
        assert ids[np.flatnonzero(mask)].tolist() == gathered[np.flatnonzero(mask)].tolist()
        assert ids[-1] == gathered[-1]


def test_evaluated_groups_name_their_relations_by_the_corpus_ids(tmp_path):
    from conftest import generated_archive

    from figcheck.load import load
    from figcheck.rules import Context
    from figcheck.table import FigureTable

    generated_archive(tmp_path, 400, seed=4, forms=("csv",))
    corpus = load([tmp_path / "csv"], use_cache=False)
    ctx = Context(corpus, FigureTable.from_corpus(corpus), {})
    ids = corpus.relations.df["id"].to_numpy(dtype=object)
    seen = []
    for group in ctx.relation_results:
        assert isinstance(group.ids, TakenAt)
        assert list(group.ids) == ids[group.rows].tolist()
        seen.extend(group.ids)
    assert sorted(seen) == sorted(ids.tolist())
