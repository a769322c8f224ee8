"""The lazy line index (headers found over the bytes, keys looked up on demand) answers as the
full line-by-line scan does, on figures files of any layout without multi-line strings."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from figcheck.load import LazyLineIndex, LineIndex, line_index

FILLER = st.sampled_from(["", "# a comment", "   ", "# [[figure]] in a comment", "# Größe – ü", "  # [[figure]]",
                          "\t", "[", "[[", "  [x"])
# how a key is written: the usual `key = "x"` (found by a byte test), and forms that are not
KEY_LINE = st.sampled_from(['{} = "x"', '{}="x"', '  {} = "x"', '"{}" = "x"', '{}  = "x"', '{}\t= "Größe"',
                            '{}_more = "x"'])
KEYS = st.sampled_from(["id", "source", "quote", "value", "unit", "note"])


@st.composite
def figures_files(draw):
    lines, asked = [], []
    counts: dict[str, int] = {}
    for _ in range(draw(st.integers(0, 12))):
        lines += draw(st.lists(FILLER, max_size=2))
        if draw(st.booleans()):
            kind = draw(st.sampled_from(["figure", "relation", "skip"]))
            name = counts.get(kind, 0)
            counts[kind] = name + 1
            lines.append(draw(st.sampled_from([f"[[{kind}]]", f"  [[ {kind} ]]", f"[[{kind}]] # c", f"\t[[{kind}]]"])))
        else:
            kind, name = "quantity", draw(st.sampled_from(["sent", "killed", "q-1.a"]))
            if ("quantity", name) in asked:
                continue
            lines.append(draw(st.sampled_from([f"[quantity.{name}]", f'[quantity."{name}"]'])))
        keys = draw(st.lists(KEYS, unique=True, max_size=4))
        for key in keys:
            lines += draw(st.lists(FILLER, max_size=1))
            lines.append(draw(KEY_LINE).format(key))
        asked.append((kind, name))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    return ending.join(lines) + draw(st.sampled_from([ending, ""])), asked


@settings(max_examples=200, deadline=None)
@given(figures_files())
def test_lazy_index_equals_full_scan(case):
    text, tables = case
    lazy, full = LazyLineIndex(text), LineIndex(text)
    assert isinstance(line_index(text), LazyLineIndex)
    for kind, name in tables:
        assert lazy.table(kind, name) == full.table(kind, name)
        for key in ("id", "source", "quote", "value", "unit", "note", "absent"):
            assert lazy.key(kind, name, key) == full.key(kind, name, key), (kind, name, key)
    assert lazy.tables == {k: v for k, v in full.tables.items() if len(k) == 2}
    for kind in ("figure", "relation", "skip"):
        names = [name for k, name in tables if k == kind] + [999]
        for key in ("id", "note"):
            assert lazy.key_lines(kind, names, key).tolist() == full.key_lines(kind, names, key).tolist()
    assert lazy.table("figure", 999) == full.table("figure", 999) == 1


def test_a_plain_table_header_takes_the_full_scan():
    text = '[[figure]]\nid = "a"\n\n  [quantity]\ntroops = { kind = "stock", unit = "soldier" }\n'
    index = line_index(text)
    assert isinstance(index, LineIndex)
    assert index.table("quantity", "troops") == 5
    assert isinstance(line_index(text.replace("  [quantity]", "[quantity.troops]")), LazyLineIndex)


def test_a_multi_line_string_takes_the_full_scan():
    for quotes in ('"""', "'''"):
        text = f'[[figure]]\nid = "a"\nnote = {quotes}\n[[figure]]\n{quotes}\nunit = "x"\n'
        assert isinstance(line_index(text), LineIndex)
        assert line_index(text).key("figure", 0, "unit") == 6
