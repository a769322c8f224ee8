"""Ids checked by a table of bytes (load._byte_class_fullmatch) match as arrow's regex kernel
matches them."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from figcheck.load import FIGURE_ID, KEY_ID, _byte_class_fullmatch, fullmatch

CELLS = st.text(alphabet="aZ_09.-é \n$", max_size=6)


def regex(text, pattern):
    return pc.match_substring_regex(text, f"^(?:{pattern.pattern.strip('^$')})$").fill_null(False).to_numpy(
        zero_copy_only=False)


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(CELLS, max_size=30), cuts=st.lists(st.integers(0, 30), max_size=3),
       sliced=st.integers(0, 3), large=st.booleans(), pattern=st.sampled_from([FIGURE_ID, KEY_ID]))
def test_byte_tables_match_as_the_regex(cells, cuts, sliced, large, pattern):
    kind = pa.large_string() if large else pa.string()
    bounds = sorted({0, len(cells), *(c % (len(cells) + 1) for c in cuts)})
    # chunks cut from one array (offsets into a shared buffer, not from 0)
    whole = pa.array(["pad"] * sliced + cells, type=kind).slice(sliced)
    text = pa.chunked_array([whole.slice(a, b - a) for a, b in zip(bounds[:-1], bounds[1:])], type=kind)
    found = _byte_class_fullmatch(text, pattern)
    assert found is not None
    assert found.tolist() == regex(text, pattern).tolist()


def test_other_patterns_and_missing_cells_are_left_to_the_regex():
    import re

    assert _byte_class_fullmatch(pa.array(["a"]), re.compile(r"^a$")) is None
    assert _byte_class_fullmatch(pa.array(["a", None]), FIGURE_ID) is None
    assert fullmatch(pa.array(["a", None, "1"]).to_pandas(types_mapper=None).astype("string[pyarrow]"),
                     FIGURE_ID).tolist() == [True, False, False]
