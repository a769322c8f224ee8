"""Columnar input for archives: the figures file's tables as CSV (or Parquet) files in one folder.

    archive/
      sources.csv      id, file, title, published, language, publisher, url, note
      quantities.csv   key, kind, unit, description, part_of, exhaustive
      figures.csv      id, source, quote, value, value_high, unit, qualifier, quantity, as_of,
                       attributed_to, modality, note, since, of, part
      relations.csv    id, source, expr, quote, note
      rates.csv        from, to, value, as_of, source, note
      skips.csv        source, quote, reason, note

Only figures.csv is required. Every cell is text as the TOML file would write it; an empty
cell is an absent key. `value` is the number as written in the source's language ("11.000",
"10 Millionen"); a range of two numbers puts its high end in `value_high`. Positions in
messages are `file:row`, the header being row 1 (for CSV without line breaks inside cells,
the line number). The columns are read whole and validated per column; figures and relations
are never turned into one Python object each.
"""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd

from .collector import collector_paused, give_back_arrow_memory, give_back_free_memory
from .load import (KEYS, Entries, LoadError, Part, Problem, _empty_cells, display_path, empty_relations,
                   repeated, validate_figures, validate_relations)
from .readahead import ARROW_COLUMNS, KINDS_FILES, UNIQUE_COLUMNS, archive_folder, arrow_table

# columns beyond the TOML keys: a quantity's key is its table name in TOML; value_high is the
# second end of a TOML [low, high]
EXTRA_COLUMNS = {"quantity": {"key"}, "figure": {"value_high"}}
FIRST_ROW = 2   # the header is row 1


def archive_files(path: Path) -> tuple[Path, str]:
    """(folder, suffix) of an archive given as its folder or any of its files."""
    found = archive_folder(path)
    if found is None:
        raise LoadError([Problem(display_path(path), 1, "no figures.csv or figures.parquet in this folder")])
    return found


class TextTable:
    """A table's columns as text Series (categorical, object or arrow strings; see
    _text_column), kept apart: a DataFrame would copy every object column into one block,
    which costs a second per million rows."""

    def __init__(self, columns: dict[str, pd.Series], rows: int):
        self.data = columns
        self.columns = list(columns)
        self.rows = rows

    def __getitem__(self, name: str) -> pd.Series:
        return self.data[name]

    def __len__(self) -> int:
        return self.rows


def _text_column(column, name: str = "", arrow: bool = False) -> pd.Series:
    """An arrow string column as a categorical Series of Python strings (`arrow`: as arrow
    strings, for a column whose checks run in arrow before its strings are made).

    Archive columns repeat a few values (source ids, units, qualifiers, quotes): arrow's
    dictionary encoding makes each distinct value one Python string, and comparisons,
    isin and map then run over the distinct values instead of every cell.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(column.type):   # read as codes (Parquet's read_dictionary)
        categorical = _dictionary_column(column)
        if categorical is not None and not arrow and name not in UNIQUE_COLUMNS and name != "expr":
            return categorical
        column = column.cast(pa.string())
    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        column = column.cast(pa.string())
    if arrow or name == "expr":   # expr: relations are grouped by shape with arrow's regex kernels
        if name == "expr" and isinstance(column, pa.ChunkedArray) and column.num_chunks > 1:
            # kept as long as the corpus: one buffer of its own, not a CSV block's chunk among the
            # other columns' (arrow's pool could give none of their pages back, ~10 MB at 1M)
            column = pa.chunked_array([column.combine_chunks()], type=column.type)
        return pd.Series(pd.arrays.ArrowStringArray(column.fill_null("")))
    if name in UNIQUE_COLUMNS:
        return pd.Series(column.fill_null("").to_numpy(zero_copy_only=False), dtype=object)
    encoded = pc.dictionary_encode(column.fill_null("")).combine_chunks()
    words = pd.Index(encoded.dictionary.to_pylist(), dtype=object)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    return pd.Series(pd.Categorical.from_codes(codes, categories=words, validate=False))


def _dictionary_column(column):
    """A dictionary-encoded arrow column as a categorical Series, or None where its codes
    cannot stand as they are (a missing cell, a word twice in the dictionary)."""
    import pyarrow as pa

    encoded = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column   # one dictionary
    if encoded.null_count or encoded.dictionary.null_count:
        return None
    words = pd.Index(encoded.dictionary.to_pylist(), dtype=object)
    if not words.is_unique:
        return None
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    return pd.Series(pd.Categorical.from_codes(codes, categories=words, validate=False))


def read_table(path: Path, display: str, arrow=frozenset()) -> TextTable:
    """Every column as text; empty cells as ''. The columns named in `arrow` stay arrow strings."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        table = arrow_table(path, arrow)    # parsed already if the command line began it
        rows = table.num_rows
        # each arrow column is let go once converted: a column's cells are freed before the next
        # one's are made, not the whole table (~170 MB at 1M figures) kept to the end
        read = dict(zip(table.column_names, table.columns))
        del table
        columns = {}
        for name in list(read):
            col = read.pop(name)
            if pa.types.is_date(col.type) or pa.types.is_timestamp(col.type):   # Parquet's dates
                col = pc.strftime(col, format="%Y-%m-%d")
            columns[name] = _text_column(col, name, name in arrow)
            del col
        give_back_arrow_memory()
        return TextTable(columns, rows)
    except LoadError:
        raise
    except FileNotFoundError:
        raise LoadError([Problem(display, 1, "file not found")]) from None
    except UnicodeDecodeError:
        raise LoadError([Problem(display, 1, "not UTF-8")]) from None
    except Exception as exc:   # pyarrow's parser errors: one line, no traceback
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise LoadError([Problem(display, 1, f"cannot read table: {message}")]) from None


def _check_columns(kind: str, df: TextTable, display: str, problems: list) -> bool:
    required, optional = KEYS[kind]
    extra = EXTRA_COLUMNS.get(kind, set())
    if kind == "quantity":
        required = required | {"key"}
    allowed = required | optional | extra
    columns = set(df.columns)
    for c in sorted(required - columns):
        problems.append(Problem(display, 1, f"{kind}: missing column {c!r}"))
    for c in sorted(columns - allowed):
        problems.append(Problem(display, 1, f"{kind}: unknown column {c!r} (allowed: {', '.join(sorted(allowed))})"))
    return required <= columns


def _empty_required(kind: str, df: TextTable, display: str, problems: list) -> None:
    required, _ = KEYS[kind]
    for c in sorted(required & set(df.columns)):
        for row in np.flatnonzero(_empty_cells(df[c])):
            problems.append(Problem(display, int(row) + FIRST_ROW, f"{kind}: missing value for {c!r}"))


def _entries(df: TextTable, typed=None):
    """Rows of a small table as TOML-like entries: (name, {column: value}, line-of-key)."""
    names = list(df.columns)
    out = []
    for i, values in enumerate(zip(*(df[c].tolist() for c in names))):
        table = {k: v for k, v in zip(names, values) if v != ""}
        if typed:
            table = typed(table)
        line = i + FIRST_ROW
        out.append((i, table, lambda key, line=line: line))
    return out


def _date_or_text(value):
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return value


def _number_or_text(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return number if math.isfinite(number) else value


def _clean_quantities(df: TextTable, shown: str):
    """The quantities (a frames.QuantityFrame) when every row is valid (checked per column), else None."""
    from .frames import QuantityFrame
    from .load import KEY_ID, _unit_problem, fullmatch
    from .model import KINDS

    n = len(df)
    column = {c: (df[c].to_numpy(dtype=object) if c in df.columns else repeated("", n))
              for c in ("key", "kind", "unit", "description", "part_of", "exhaustive", "note")}
    keys = pd.Series(column["key"], dtype=object)
    # stripped and lower-cased once per distinct cell ("true", "", "False")
    codes, written = pd.factorize(column["exhaustive"])
    exhaustive = pd.Series(np.array([w.strip().lower() for w in written] + [None], dtype=object)[codes],
                           dtype=object)
    units = pd.unique(column["unit"])
    ok = (fullmatch(column["key"], KEY_ID, all_text=True).all() and not keys.duplicated().any()
          and pd.Series(column["kind"]).isin(KINDS).all() and exhaustive.isin(["", "true", "false"]).all()
          and all(u != "" and _unit_problem(u) is None for u in units))
    if not ok:
        return None
    flags = (exhaustive == "true").to_numpy().tolist()
    part_of = [p or None for p in column["part_of"].tolist()]
    # as columns: a record is made when a rule asks for one
    return QuantityFrame(column["key"].tolist(), column["description"].tolist(), column["kind"].tolist(),
                         column["unit"].tolist(), part_of, flags, shown, FIRST_ROW)


def _read_or_error(file: Path, shown: str):
    """The table, or the LoadError reading it raised (for _relation_table to raise). The
    expressions are grouped by shape here too (`table.grouped`, for validate_relations when it
    keeps every row): numpy scans their bytes without the GIL while the figures are checked."""
    from .relations import group_relations

    try:
        table = read_table(file, shown, ARROW_COLUMNS["relation"])
    except LoadError as exc:
        return exc
    table.grouped = None
    # the Python strings of the ids, made here while the main thread parses the figures file
    # without the GIL (the expressions stay arrow strings: a rule makes the few it shows)
    table.objects = {c: table[c].to_numpy(dtype=object) for c in ("id",) if c in table.columns}
    if "expr" in table.columns:
        try:
            table.grouped = group_relations(table["expr"], arrow_names=True)
        except Exception:   # grouped again where validate_relations needs it (and fails as it fails)
            table.grouped = None
    # the grouping's temporaries (~150 MB at 1M relations) sit free in this thread's own heap,
    # where the main thread would never reuse them: given back now
    give_back_free_memory()
    return table


def _early_name_positions(read, ids):
    """(name columns, number of ids, each name's row among the figure ids `ids`) of the
    relations that `read` waits for, grouped as read; None where they are not (load then
    looks the names up itself)."""
    from .load import _name_columns, _name_lookup

    table = read()
    if isinstance(table, LoadError) or table.grouped is None or table.grouped[1] or ids is None:
        return None
    groups = table.grouped[0]
    return _name_columns(groups), len(ids), _name_lookup(groups, ids=ids)()


def _relation_table(read, shown: str) -> tuple[TextTable, str]:
    """(table, shown) of the relations file read in a thread, or its LoadError raised."""
    table = read()
    if isinstance(table, LoadError):
        raise table
    return table, shown


def read_archive(path: Path, display: str) -> Part:
    # a million rows make few objects, but each of the records made (sources, quantities) would
    # trigger collections walking every object already alive: paused while reading, as a whole
    with collector_paused():
        return _read_archive(path, display)


def joined_paths(folder: Path, files) -> list[str]:
    """str(folder / file) for each file: a plain relative name joins as text (Path would only
    join it), anything Path normalises ("./a", "a//b", "a/.", "/abs") goes through Path."""
    prefix = str(folder / "x")[:-1]   # "" for ".", "/" for "/", else "folder/"
    out = []
    for file in files:
        if (file and file[0] != "/" and file != "." and not file.startswith("./") and "//" not in file
                and "/./" not in file and not file.endswith(("/", "/."))):
            out.append(prefix + file)
        else:
            out.append(str(folder / file))
    return out


def _clean_sources(df: TextTable, shown: str, folder: Path):
    """(sources, file lines) when every row is valid (checked per column and per distinct
    language and date), else None: Entries.sources then says which row is wrong and how."""
    from .load import KEY_ID, fullmatch, parse_period
    from .model import Source, Where
    from .numbers import base_language, locale_known

    n = len(df)
    cell = {c: (df[c].to_numpy(dtype=object) if c in df.columns else repeated("", n))
            for c in ("id", "file", "language", "published", "title", "publisher", "url", "note")}
    ids, files, languages = cell["id"], cell["file"], cell["language"]
    if n == 0 or not ((ids != "").all() and (files != "").all() and (languages != "").all()):
        return None
    if not fullmatch(ids, KEY_ID, all_text=True).all() or pd.Series(ids, dtype=object).duplicated().any():
        return None
    for language in pd.unique(languages):
        if (base_language(language) != language.replace("-", "_").split("_")[0].lower()
                or not locale_known(language)):
            return None
    dates = {"": None}
    for text in pd.unique(cell["published"]):
        if text == "":
            continue
        date = _date_or_text(text)
        if not isinstance(date, dt.date):
            return None
        try:
            parse_period(date)
        except ValueError:
            return None
        dates[text] = date
    published = [dates[t] for t in cell["published"].tolist()]
    lines = range(FIRST_ROW, n + FIRST_ROW)
    wheres = map(Where, repeated(shown, n).tolist(), lines)
    empty = repeated("", n).tolist()
    ids = ids.tolist()
    sources = dict(zip(ids, map(Source, ids, files.tolist(), joined_paths(folder, files.tolist()),
                                cell["title"].tolist(), published, languages.tolist(), empty, wheres,
                                cell["publisher"].tolist(), cell["url"].tolist(), cell["note"].tolist())))
    return sources, dict(zip(ids, lines))


def _read_archive(path: Path, display: str) -> Part:
    from .load import _arrow_strings, _in_thread, source_texts

    folder, suffix = archive_files(path)
    problems: list[Problem] = []
    tables: dict[str, tuple[TextTable, str]] = {}
    clean = texts = names = clean_quantities = None
    # relations.csv: parsed in a thread from the start (arrow's parser needs no GIL), beside the
    # figures file; each file is parsed by one thread, so the two use both cores
    relations = None
    file = folder / f"{KINDS_FILES['relation']}{suffix}"
    if file.exists():
        relations = (_in_thread(_read_or_error, file, display_path(file)), display_path(file))
    kinds = list(KINDS_FILES)
    for kind, name in KINDS_FILES.items():
        file = folder / f"{name}{suffix}"
        if kind == "relation":
            continue
        if not file.exists():
            if kind == "figure":
                raise LoadError([Problem(display_path(file), 1, "file not found")])
            continue
        shown = display_path(file)
        try:
            # figure ids: checked (pattern, duplicates) by arrow kernels, then made Python strings
            df = read_table(file, shown, ARROW_COLUMNS.get(kind, frozenset()))
        except LoadError:
            # as if the files were read in turn: a bad relations file stops the files after it
            if relations is not None and kinds.index(kind) > kinds.index("relation"):
                _relation_table(*relations)
            raise
        if _check_columns(kind, df, shown, problems):
            _empty_required(kind, df, shown, problems)
            tables[kind] = (df, shown)
            if kind == "figure" and relations is not None:
                # the relations' names looked up among the ids as read, in a thread, while the
                # figures are checked (load uses the rows found if no figure is left out)
                names = _in_thread(_early_name_positions, relations[0], _arrow_strings(df["id"]))
        if kind == "source" and "source" in tables:
            clean = _clean_sources(df, shown, folder)
            if clean is not None:
                # the texts: read in a thread while arrow parses the other tables without the GIL
                texts = _in_thread(source_texts, *clean)
        if kind == "quantity" and "quantity" in tables:
            # the quantities' columns checked in a thread too, while arrow parses the figures
            clean_quantities = _in_thread(_clean_quantities, df, shown)

    def small(kind, typed=None):
        if kind not in tables:
            return Entries("", folder), []
        df, shown = tables[kind]
        e = Entries(shown, folder)
        e.problems = problems
        return e, _entries(df, typed)

    def typed_source(t):
        if "published" in t:
            t["published"] = _date_or_text(t["published"])
        return t

    if clean is not None:
        sources, file_lines = clean
        unusable_published = set()
    else:   # some row has a problem (or there are none): entry by entry
        e, entries = small("source", typed_source)
        sources, file_lines = e.sources(entries)
        unusable_published = e.unusable_published

    def typed_quantity(t):
        if "exhaustive" in t:
            t["exhaustive"] = {"true": True, "false": False}.get(t["exhaustive"].strip().lower(), t["exhaustive"])
        return t

    quantities = {}
    if "quantity" in tables:
        df, shown = tables["quantity"]
        quantities = clean_quantities()
    if "quantity" in tables and quantities is None:   # some row has a problem: say which, entry by entry
        e = Entries(shown, folder)
        e.problems = problems
        entries = [(t.pop("key", ""), t, line_of) for _, t, line_of in _entries(df, typed_quantity)]
        lines = {i: i + FIRST_ROW for i in range(len(entries))}
        by_name = {}
        for i, (name, _, _) in enumerate(entries):
            by_name.setdefault(name, lines[i])
        quantities = e.quantities([x for x in entries if x[0]], lambda key: by_name.get(key, 1))

    def typed_rate(t):
        if "value" in t:
            t["value"] = _number_or_text(t["value"])
        return t

    e, entries = small("rate", typed_rate)
    rates = e.rates(entries, lambda n: n + FIRST_ROW)
    e, entries = small("skip")
    skips = e.skips(entries, lambda n: n + FIRST_ROW)

    # the figures are checked while the relations thread may still be parsing and grouping them
    # (LoadError sorts the problems by file and line: the order they are found in does not matter)
    figures_df, figures_shown = tables.pop("figure", (None, display_path(folder / f"figures{suffix}")))
    if figures_df is not None:
        n = len(figures_df)
        rows = np.arange(n, dtype=np.int64) + FIRST_ROW
        cols = {c: figures_df[c] for c in figures_df.columns}   # every cell is text here
        figures = validate_figures(cols, n, figures_shown, lambda i, key: int(rows[i]), rows, sources,
                                   problems, columnar=True, unusable_published=unusable_published)
        del cols, figures_df   # the table as read: freed before the relations are checked
        # and what checking the figures freed (~100 MB at 1M), before the relations are
        give_back_free_memory()
    else:
        from .frames import empty_figures

        figures = empty_figures()
    if relations is not None:
        df, shown = _relation_table(*relations)
        if _check_columns("relation", df, shown, problems):
            _empty_required("relation", df, shown, problems)
            tables["relation"] = (df, shown)
    if "relation" in tables:
        df, shown = tables["relation"]
        n = len(df)
        rows = np.arange(n, dtype=np.int64) + FIRST_ROW
        groups, relations = validate_relations({c: df[c] for c in df.columns}, n, shown, lambda i, key: int(rows[i]),
                                               rows, problems, columnar=True, grouped=getattr(df, "grouped", None),
                                               objects=getattr(df, "objects", None))
    else:
        groups, relations = [], empty_relations()
    return Part(sources, quantities, figures, relations, rates, skips, problems, file_lines, groups, texts, names)
