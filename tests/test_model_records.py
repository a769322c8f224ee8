"""The model's hand-written record constructors equal the ones dataclasses generates."""
import dataclasses
import datetime as dt
import inspect
import pickle

import pytest
from hypothesis import given, strategies as st

from figcheck import cache
from figcheck.model import FAST_INIT, GENERATED_INIT, Quantity, Source, Where

texts = st.text(max_size=8)
wheres = st.builds(Where, texts, st.integers(0, 10**6))


def _generated(cls, *args, **kwargs):
    record = object.__new__(cls)
    GENERATED_INIT[cls](record, *args, **kwargs)
    return record


def _fields(record):
    return [getattr(record, f.name) for f in dataclasses.fields(record)]


@pytest.mark.parametrize("cls", list(FAST_INIT))
def test_signature_is_the_generated_one(cls):
    assert inspect.signature(cls.__init__).parameters == inspect.signature(GENERATED_INIT[cls]).parameters
    assert FAST_INIT[cls] is cls.__init__


@given(texts, st.integers(-5, 10**9))
def test_where_equals_generated(file, line):
    fast, slow = Where(file, line), _generated(Where, file, line)
    assert _fields(fast) == _fields(slow) == [file, line]
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)


@given(texts, texts, texts, texts, wheres, st.none() | texts, st.booleans(), st.booleans())
def test_quantity_equals_generated(key, description, kind, unit, where, part_of, exhaustive, defaults):
    args = (key, description, kind, unit, where) + (() if defaults else (part_of, exhaustive))
    fast, slow = Quantity(*args), _generated(Quantity, *args)
    assert _fields(fast) == _fields(slow)
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    named = Quantity(key=key, description=description, kind=kind, unit=unit, where=where)
    assert named == _generated(Quantity, key=key, description=description, kind=kind, unit=unit, where=where)


@given(st.lists(texts, min_size=7, max_size=7), st.none() | st.dates(), wheres, st.integers(0, 3))
def test_source_equals_generated(words, published, where, optional):
    id_, file, path, title, language, text, extra = words
    args = (id_, file, path, title, published, language, text, where) + (extra,) * optional
    fast, slow = Source(*args), _generated(Source, *args)
    assert _fields(fast) == _fields(slow)
    assert fast == slow and repr(fast) == repr(slow)


def test_records_stay_frozen_and_round_trip_the_cache():
    q = Quantity("k", "d", "flow", "soldier", Where("f.toml", 3), "whole", True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        q.kind = "stock"
    with pytest.raises(TypeError):
        Quantity("k", "d")
    s = Source("s", "a.txt", "/x/a.txt", "t", dt.date(2024, 1, 2), "de", "text", Where("f", 1), url="u")
    assert pickle.loads(cache.dumps([q, s])) == [q, s]
    assert pickle.loads(pickle.dumps([q, s])) == [q, s]
