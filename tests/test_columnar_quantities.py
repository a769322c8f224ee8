"""quantities.csv read per column (columnar._clean_quantities) equals the entry-by-entry path."""
import csv

from hypothesis import event, given, settings, strategies as st

from figcheck.columnar import FIRST_ROW, _clean_quantities, read_table
from figcheck.load import Entries

keys = st.sampled_from(["q_a", "q_b", "q_c", "q_d", "q_e", "q_f"] * 4 + ["bad key"])
rows = st.fixed_dictionaries({
    "key": keys,
    "kind": st.sampled_from(["stock", "flow", "cumulative"] * 4 + ["level"]),
    "unit": st.sampled_from(["soldier", "USD/month", "shell/day"] * 4 + ["furlong-ish"]),
    "description": st.sampled_from(["", "troops", "Kosten, pro Monat"]),
    "part_of": st.sampled_from(["", "q_a", "q_b"]),
    "exhaustive": st.sampled_from(["", "true", "false", " True ", "FALSE"] * 4 + ["yes"]),
})


def _entry_path(df, shown, folder):
    def typed(t):
        if "exhaustive" in t:
            t["exhaustive"] = {"true": True, "false": False}.get(t["exhaustive"].strip().lower(), t["exhaustive"])
        return t

    from figcheck.columnar import _entries

    e = Entries(shown, folder)
    e.problems = []
    entries = [(t.pop("key", ""), t, line_of) for _, t, line_of in _entries(df, typed)]
    by_name = {}
    for i, (name, _, _) in enumerate(entries):
        by_name.setdefault(name, i + FIRST_ROW)
    return e.quantities([x for x in entries if x[0]], lambda key: by_name.get(key, 1)), e.problems


def _written(tmp_path_factory, table):
    """(folder, the table as read) of quantity rows written as a quantities.csv."""
    folder = tmp_path_factory.mktemp("q")
    path = folder / "quantities.csv"
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=["key", "kind", "unit", "description", "part_of", "exhaustive"])
        writer.writeheader()
        writer.writerows(table)
    return folder, read_table(path, "quantities.csv")


@settings(max_examples=120, deadline=None)
@given(st.one_of(st.lists(rows, max_size=6), st.lists(rows, max_size=6, unique_by=lambda r: r["key"])))
def test_clean_quantities_equal_the_entry_path(tmp_path_factory, table):
    folder, df = _written(tmp_path_factory, table)
    clean = _clean_quantities(df, "quantities.csv")
    reference, problems = _entry_path(df, "quantities.csv", folder)
    event("columnar" if clean is not None else "entry by entry")
    if clean is None:   # the columnar path declines only when the entry path finds a problem
        assert problems
    else:
        assert not problems
        assert clean == reference and list(clean) == list(reference)


@settings(max_examples=60, deadline=None)
@given(st.lists(rows, max_size=6, unique_by=lambda r: r["key"]))
def test_quantity_frame_reads_like_the_dict_of_records(tmp_path_factory, table):
    from figcheck.frames import QuantityFrame, quantity_field

    folder, df = _written(tmp_path_factory, table)
    frame = _clean_quantities(df, "quantities.csv")
    if frame is None:
        return
    reference, _ = _entry_path(df, "quantities.csv", folder)
    assert isinstance(frame, QuantityFrame) and len(frame) == len(reference)
    for name in ("key", "description", "kind", "unit", "part_of", "exhaustive"):
        assert quantity_field(frame, name) == quantity_field(reference, name)
    for key in [*reference, "q_nope", 3, None]:
        assert (key in frame) == (key in reference)
        assert frame.get(key) == reference.get(key)
    asked = [*reference, "q_nope", None, float("nan"), 3][::-1]
    assert frame.positions(asked).tolist() == [list(reference).index(k) if k in reference else -1 for k in asked]
    for key in reference:   # a record is made once and kept
        assert frame[key] is frame[key]
