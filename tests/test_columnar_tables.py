"""An archive's tables read as text: Parquet columns read as dictionary codes (one dictionary
per row group, unified) hold the same cells as the plain strings, empty where missing."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from figcheck.columnar import ARROW_COLUMNS, read_table



@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data(), st.integers(1, 5), st.booleans())
def test_parquet_text_columns_hold_the_written_cells(tmp_path, data, row_group, large):
    n = data.draw(st.integers(1, 12))
    same_length = st.lists(st.one_of(st.none(), st.sampled_from(["", "s1", "s2", "Nato", "ä b", "2024"])),
                           min_size=n, max_size=n)
    columns = {name: data.draw(same_length) for name in ("id", "source", "unit", "note")}
    kind = pa.large_string() if large else pa.string()
    table = pa.table({name: pa.array(values, type=kind) for name, values in columns.items()})
    path = tmp_path / "figures.parquet"
    pq.write_table(table, path, row_group_size=row_group)
    got = read_table(path, "figures.parquet", ARROW_COLUMNS["figure"])
    assert len(got) == n
    for name, values in columns.items():
        assert got[name].astype(object).tolist() == [v if v is not None else "" for v in values], name
    assert str(got["id"].dtype).startswith("string")   # kept as arrow strings for validate_figures
    assert str(got["source"].dtype) == "category"
