"""group_relations keeps the rows of each shape group in the column's order (its stable sort of
the template codes, by radix over 16-bit codes), every row in one group or with an error."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from figcheck.relations import _shape_key, group_relations, parse_relation

EXPRESSIONS = ["a == b", "a + b == c", "x1 * 2 <= y", "(a - b) / c > 0.5", "a ==", "q == r + s + t", "1e5 > a"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(EXPRESSIONS), min_size=1, max_size=60), st.booleans())
def test_each_group_holds_its_rows_in_order(exprs, arrow):
    column = pa.array(exprs, type=pa.string()) if arrow else exprs
    groups, errors = group_relations(column, arrow_names=True)
    seen = [int(r) for g in groups for r in g.rows] + list(errors)
    assert sorted(seen) == list(range(len(exprs)))
    for g in groups:
        assert (np.diff(g.rows) > 0).all()
        for row in g.rows:
            assert _shape_key(parse_relation(exprs[row])) == _shape_key(g.tree)
