"""QuantityFrame.positions by arrow's lookup equals the pandas Index lookup it stands for."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from figcheck.frames import QuantityFrame

KEYS = [f"q{i:04d}" for i in range(1200)] + ["é", "a b", "", "q1.x"]


def frame(keys):
    n = len(keys)
    return QuantityFrame(list(keys), list(keys), ["stock"] * n, ["km"] * n, [None] * n, [False] * n, "q.csv", 2)


@settings(max_examples=60, deadline=None)
@given(picks=st.lists(st.one_of(st.integers(0, len(KEYS) - 1), st.integers(len(KEYS), len(KEYS) + 5)),
                     min_size=1, max_size=40),
       odd=st.lists(st.sampled_from([None, 3.0, float("nan"), "\ud800", "zz", "Q0001"]), max_size=3),
       order=st.randoms(use_true_random=False))
def test_arrow_lookup_equals_the_index(picks, odd, order):
    quantities = frame(KEYS)
    # more keys than the lookup by arrow asks for
    asked = [KEYS[p] if p < len(KEYS) else f"other{p}" for p in picks] * (1000 // len(picks) + 1) + odd
    order.shuffle(asked)
    asked = np.array(asked, dtype=object)
    try:
        want = quantities._index.get_indexer(asked)
    except UnicodeError:   # a lone surrogate: the Index cannot take it, nor may the lookup
        with pytest.raises(UnicodeError):
            quantities.positions(asked)
        return
    found = quantities.positions(asked)
    assert found.dtype == want.dtype
    assert found.tolist() == want.tolist()


def test_many_text_keys_take_arrows_lookup(monkeypatch):
    quantities = frame(KEYS)
    asked = np.array(KEYS[::-1], dtype=object)
    monkeypatch.setattr(type(quantities), "_index", property(lambda self: 1 / 0))   # the Index is not asked
    assert quantities.positions(asked).tolist() == list(range(len(KEYS)))[::-1]
