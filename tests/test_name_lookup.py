"""The relations' names looked up among the figure ids by binary search (load.sorted_id_positions)
give what arrow's hash lookup gives, wherever the fast path takes the input."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from figcheck.load import sorted_id_positions


def reference(names, ids) -> np.ndarray:
    return pc.index_in(names, value_set=ids).fill_null(-1).to_numpy().astype(np.int64)


def chunked(values: list[str], cuts: list[int], large: bool = False) -> pa.ChunkedArray:
    bounds = sorted({0, len(values), *(c % (len(values) + 1) for c in cuts)})
    kind = pa.large_string() if large else pa.string()
    return pa.chunked_array([pa.array(values[a:b], type=kind) for a, b in zip(bounds[:-1], bounds[1:])]
                            or [pa.array([], type=kind)], type=kind)


WORDS = st.text(alphabet="ab_0129.\x00é", min_size=0, max_size=12)


@settings(max_examples=300, deadline=None)
@given(ids=st.lists(WORDS, min_size=1, max_size=40), sort=st.booleans(),
       picks=st.lists(st.integers(0, 60), max_size=60), others=st.lists(WORDS, max_size=10),
       id_cuts=st.lists(st.integers(0, 50), max_size=3), name_cuts=st.lists(st.integers(0, 80), max_size=3),
       large=st.booleans())
def test_binary_search_equals_hash_lookup(ids, sort, picks, others, id_cuts, name_cuts, large):
    if sort:
        ids = sorted(set(ids), key=lambda s: s.encode())
    names = [ids[p] if p < len(ids) else others[p % len(others)] if others else "x" for p in picks]
    ids_array, names_array = chunked(ids, id_cuts), chunked(names, name_cuts, large)
    found = sorted_id_positions(pa.chunked_array([c.cast(pa.string()) for c in names_array.chunks],
                                                 type=pa.string()), ids_array)
    if found is not None:
        assert found.tolist() == reference(names_array.cast(pa.string()), ids_array).tolist()


@settings(max_examples=100, deadline=None)
@given(count=st.integers(1, 3000), width=st.integers(1, 14), prefix=st.sampled_from(["", "f", "fig_2024_"]),
       missing=st.lists(st.integers(0, 10**6), max_size=20), step=st.integers(1, 3))
def test_archive_ids_take_the_fast_path(count, width, prefix, missing, step):
    """Ids of one width in order (the usual archive) are looked up by the binary search, names of
    other widths and names no figure has included, and names that differ from an id only before its last 8 bytes."""
    width = max(width, len(str((count - 1) * step)))
    ids = [f"{prefix}{i * step:0{width}d}" for i in range(count)]
    names = ids[::2] + [f"{prefix}{m:0{width}d}" for m in missing] + ids[1::2] + ["km", prefix + "x" * width]
    names += ["z" + name[1:] for name in ids[:3]]   # another first byte: the same last 8 bytes where wider
    ids_array, names_array = chunked(ids, [count // 3]), chunked(names, [len(names) // 2])
    found = sorted_id_positions(names_array, ids_array)
    assert found is not None
    assert found.tolist() == reference(names_array, ids_array).tolist()


def test_ids_out_of_order_or_of_several_widths_are_left_to_arrow():
    names = pa.array(["a1", "a2"])
    assert sorted_id_positions(names, pa.array(["a2", "a1"])) is None
    assert sorted_id_positions(names, pa.array(["a1", "a10"])) is None
    assert sorted_id_positions(names, pa.array(["a1", None])) is None


def test_names_in_random_order_among_many_ids_are_left_to_arrow():
    ids = pa.array([f"f{i:06d}" for i in range(100_000)])
    order = np.random.default_rng(1).permutation(100_000)
    assert sorted_id_positions(pa.array([f"f{i:06d}" for i in order]), ids) is None
    assert sorted_id_positions(pa.array([f"f{i:06d}" for i in np.sort(order)]), ids) is not None
