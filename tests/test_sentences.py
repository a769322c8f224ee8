"""figcheck.sentences: the sentence table and the one-pass quote search equal str.find."""
import numpy as np
from hypothesis import given, settings, strategies as st

from figcheck.sentences import CUT, Sentences, quote_places, reference_places, whole_sentences

# Few letters, so that quotes stand in texts often, twice, overlapping, across ". "
_ALPHABET = st.sampled_from(list("ab. 1,ä€") + [". ", "a. b", "aa"])
_TEXT = st.lists(_ALPHABET, max_size=40).map("".join)


def _quote_of(texts):
    """A quote: mostly a piece of one of the texts, else anything, empty or no string."""
    piece = st.tuples(st.sampled_from(texts), st.integers(0, 40), st.integers(0, 12)).map(
        lambda t: t[0][t[1]:t[1] + t[2]])
    return st.one_of(piece, piece, piece, _TEXT, st.just(""), st.none(), st.integers(0, 9), st.just(float("nan")))


@st.composite
def _corpus(draw):
    texts = draw(st.lists(st.one_of(_TEXT, st.just(""), st.sampled_from(["aa. aa. aa", "a. a", "1. 1. 1"])),
                          min_size=1, max_size=6))
    n = draw(st.integers(0, 30))
    text_of = draw(st.lists(st.integers(-1, len(texts) - 1), min_size=n, max_size=n))
    quotes = draw(st.lists(_quote_of(texts), min_size=n, max_size=n))
    return texts, text_of, quotes


@settings(max_examples=400, deadline=None)
@given(_corpus())
def test_quote_places_equal_str_find(corpus):
    texts, text_of, quotes = corpus
    first, second = quote_places(texts, np.array(text_of, dtype=np.int64), quotes)
    want_first, want_second = reference_places(texts, text_of, quotes)
    assert first.tolist() == want_first.tolist()
    assert second.tolist() == want_second.tolist()


def test_reference_is_str_find():
    texts = ["aXa. aXaXa", ""]
    first, second = reference_places(texts, [0, 0, 0, 1, -1, 0, 0], ["aXa", "Xa. a", "", "a", "a", None, "zz"])
    assert first.tolist() == [0, 1, -1, -1, -1, -1, -1]
    assert second.tolist() == [5, -1, -1, -1, -1, -1, -1]


def test_overlapping_and_repeated_sentences():
    # "aXaXa": the quote "aXa" stands at 5 and, overlapping, at 7; the same sentence in two
    # texts and twice in one
    texts = ["Es waren 3.000 Soldaten. Es waren 3.000 Soldaten. aXaXa", "Es waren 3.000 Soldaten"]
    quotes = ["waren 3.000", "aXa", "waren 3.000", "3.000 Soldaten", "Soldaten. Es"]
    first, second = quote_places(texts, np.array([0, 0, 1, 1, 0]), quotes)
    assert first.tolist() == [3, 50, 3, 9, 15]
    assert second.tolist() == [28, 52, -1, -1, -1]


def test_sentences_table():
    texts = ["a. b. a", "", "b"]
    table = Sentences(texts)
    assert table.counts.tolist() == [3, 1, 1]
    assert [table.distinct[c] for c in table.code] == ["a", "b", "a", "", "b"]
    assert table.at.tolist() == [0, 3, 6, 0, 0]
    assert table.text_of.tolist() == [0, 0, 0, 1, 2]
    assert table.first.tolist() == [0, 3, 4]
    for k in range(5):
        t = texts[table.text_of[k]]
        assert t[table.at[k]:table.at[k] + table.lengths[k]] == table.distinct[table.code[k]]
        assert t[table.at[k] + table.lengths[k]:][:2] in (CUT, "")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(["a", "b", "ab", ""]), st.none(), st.just(float("nan")), st.integers(0, 2)),
                max_size=30),
       st.lists(st.booleans(), max_size=30))
def test_factorize_objects_equals_pandas(values, fresh):
    import pandas as pd

    from figcheck.sentences import factorize_objects

    # some strings as new objects of an equal value, others shared (as an archive decodes them)
    column = [("" + v + "x")[:-1] if isinstance(v, str) and k < len(fresh) and fresh[k] else v
              for k, v in enumerate(values)]
    codes, uniques = factorize_objects(column)
    want_codes, want_uniques = pd.factorize(np.asarray(column, dtype=object))
    assert codes.tolist() == want_codes.tolist()
    assert [repr(u) for u in uniques] == [repr(u) for u in want_uniques]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_TEXT, st.just(""), st.text(max_size=20), st.sampled_from([". ", ". . ", "ä. ", " .  . "])),
                max_size=8))
def test_sentences_cut_in_arrow_equals_str_split(texts):
    from figcheck.sentences import _cut, _cut_in_python

    got = _cut(texts)
    want = _cut_in_python(texts)
    if got is None:              # a lone surrogate: cut in Python
        assert any("\ud800" <= c <= "\udfff" for t in texts for c in t)
        return
    assert got[0].tolist() == want[0].tolist()
    assert got[1].tolist() == want[1].tolist()
    assert got[2] == want[2]


def test_sentences_of_a_text_with_a_lone_surrogate():
    table = Sentences(["a\ud800. b", "b"])
    assert [table.distinct[c] for c in table.code] == ["a\ud800", "b", "b"]
    assert table.at.tolist() == [0, 4, 0]


def _sentence_quote_of(texts):
    """A quote: mostly a whole sentence of a text, with or without its full stop."""
    sentence = st.tuples(st.sampled_from(texts), st.integers(0, 8), st.sampled_from(["", "."])).map(
        lambda t: (t[0].split(CUT) + [""] * 9)[t[1]] + t[2])
    return st.one_of(sentence, sentence, _quote_of(texts))


@settings(max_examples=400, deadline=None)
@given(_corpus(), st.data())
def test_whole_sentences_stand_in_their_text(corpus, data):
    texts, text_of, _ = corpus
    quotes = data.draw(st.lists(_sentence_quote_of(texts), min_size=len(text_of), max_size=len(text_of)))
    settled = whole_sentences(Sentences(texts), np.array(text_of, dtype=np.int64), quotes)
    for t, quote, known in zip(text_of, quotes, settled.tolist()):
        # settled only where the quote is a sentence of its text (with its stop): then it stands there
        whole = isinstance(quote, str) and t >= 0 and (
            quote in texts[t].split(CUT) or quote.endswith(".") and quote[:-1] in texts[t].split(CUT)[:-1])
        assert known == whole
        if known:
            assert quote in texts[t]


def test_whole_sentences_of_an_article():
    texts = ["Es waren 3.000 Soldaten. Es kamen 5 Panzer. Ende.", "Andere 7."]
    quotes = ["Es waren 3.000 Soldaten.", "Es kamen 5 Panzer", "Ende.", "Ende", "kamen 5 Panzer.", "Andere 7.",
              "Es waren 3.000 Soldaten.", None]
    got = whole_sentences(Sentences(texts), np.array([0, 0, 0, 0, 0, 1, 1, 0]), quotes)
    assert got.tolist() == [True, True, True, False, False, True, False, False]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, (1 << 33)), max_size=300), st.integers(1, 1 << 32))
def test_stable_order_is_a_stable_argsort(keys, modulus):
    """Both ways (two 16-bit radix sorts below 2**32, numpy's merge sort beyond) order the keys
    as a stable sort does: equal keys keep their order."""
    from figcheck.sentences import stable_order

    keys = np.array(keys, dtype=np.int64) % modulus
    assert stable_order(keys).tolist() == np.argsort(keys, kind="stable").tolist()


@settings(max_examples=200, deadline=None)
@given(_corpus(), st.lists(st.integers(0, 29), max_size=30), st.lists(st.integers(0, 29), max_size=4))
def test_a_search_with_the_kept_automaton_equals_str_find(corpus, kept, dropped):
    """The next part's search (most of its quotes searched before, a few new, some of the kept
    ones absent) finds what str.find finds."""
    from figcheck import sentences

    texts, text_of, quotes = corpus
    sentences._KEPT.clear()
    first_quotes = [q for k, q in enumerate(quotes) if k in kept]
    quote_places(texts, np.array([t for k, t in enumerate(text_of) if k in kept], dtype=np.int64), first_quotes)
    keep = [k for k in range(len(quotes)) if k not in dropped]
    text_of, quotes = [text_of[k] for k in keep], [quotes[k] for k in keep]
    first, second = quote_places(texts, np.array(text_of, dtype=np.int64), quotes)
    want_first, want_second = reference_places(texts, text_of, quotes)
    assert first.tolist() == want_first.tolist()
    assert second.tolist() == want_second.tolist()


def test_the_kept_automaton_and_one_of_the_new_quotes_find_every_place():
    from figcheck import sentences

    texts = ["Es kamen 300 Soldaten. Es kamen 300 Soldaten und 40 Panzer. aXaXa", "Es kamen 40 Panzer"]
    known = ["kamen 300", "300 Soldaten", "40 Panzer", "Es kamen", "aXa", "Panzer", "Soldaten und"]
    sentences._KEPT.clear()
    quote_places(texts, np.zeros(len(known), dtype=np.int64), known)
    kept = sentences._KEPT[0]
    quotes = known[1:] + ["XaX"]                  # one kept quote absent, one new
    text_of = [0, 1, 0, 0, 1, 0, 0]
    first, second = quote_places(texts, np.array(text_of), quotes)
    assert sentences._KEPT[0] is kept             # searched with it (and one of "XaX" alone)
    want_first, want_second = reference_places(texts, text_of, quotes)
    assert (first.tolist(), second.tolist()) == (want_first.tolist(), want_second.tolist())
    assert first.tolist()[-1] == 61 and second.tolist()[-1] == -1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_TEXT, st.just(""), st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=20),
                          st.sampled_from([". ", ". . ", "ä. ", " .  . "])), max_size=8),
       st.lists(st.integers(1, 4), max_size=4))
def test_sentences_of_a_stored_column_equal_sentences_of_the_strings(texts, cuts):
    """Sentences cut from texts as they stand in a (chunked) arrow array, as a TextStore holds
    them, are the sentences of the strings: one dictionary over all chunks."""
    import pyarrow as pa

    chunks, at = [], 0
    for n in cuts + [len(texts)]:
        chunks.append(pa.array(texts[at:at + n], type=pa.large_string()))
        at += n
        if at >= len(texts):
            break
    column = pa.chunked_array(chunks, type=pa.large_string())
    got, want = Sentences(None, column), Sentences(texts)
    for name in Sentences.__slots__:
        a, b = getattr(got, name), getattr(want, name)
        assert (a == b if isinstance(a, list) else a.tolist() == b.tolist()), name


def test_per_sentence_columns_and_places_are_kept_in_32_bits_and_widened_to_multiply():
    texts = ["etwa 11.000 Soldaten. Dazu 3 Panzer. etwa 11.000 Soldaten", "", "Dazu 3 Panzer"]
    table = Sentences(texts)
    assert {table.code.dtype, table.at.dtype, table.text_of.dtype, table.lengths.dtype} == {np.dtype(np.int32)}
    quotes = ["11.000 Soldaten", "Dazu 3 Panzer", "Panzer", "nirgends", ""]
    text_of = [0, 2, 0, 1, 0]
    lengths = np.array([len(t) for t in texts])
    first, second = quote_places(texts, text_of, quotes, table, lengths=lengths)
    assert first.dtype == np.int32
    want = reference_places(texts, text_of, quotes)
    assert first.tolist() == want[0].tolist() and second.tolist() == want[1].tolist()
    assert whole_sentences(table, np.array([0, 2, 1]), ["Dazu 3 Panzer.", "Dazu 3 Panzer", "x"]).tolist() == \
        [True, True, False]
