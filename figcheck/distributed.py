"""The Dask engine: the figure table partitioned by quantity family, the same rules per partition.

A rule declared `partition="quantity"` compares only figures of one quantity family — a
quantity with the quantities that are part of it (part_of chains end at one root) — so the
figure table is cut into partitions holding whole families, each partition is sent to a
worker with the sources and quantities it refers to, and the rule's own function runs there
on a Context built from the partition. Hits come back to the client, which makes and sorts
the findings exactly as the in-memory engine does. Rules that need the whole corpus (relations
across quantities) run once on the client.

Dask is an optional extra: pip install 'figcheck[dask]'.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .frames import quantity_field


def family_roots(corpus, quantity_column) -> np.ndarray:
    """For each figure's quantity, the root of its part_of chain (itself when it has none)."""
    parent = dict(zip(corpus.quantities, quantity_field(corpus.quantities, "part_of")))
    root = {}
    for key in parent:
        seen, k = set(), key
        while parent.get(k) and parent[k] in parent and k not in seen:
            seen.add(k)
            k = parent[k]
        root[key] = k
    return pd.Series(quantity_column, dtype=object).map(root).fillna("").to_numpy(dtype=object)


def partition_rows(corpus, table, partitions: int) -> list[np.ndarray]:
    """Row indices of each partition: whole families, spread so partitions hold similar counts."""
    roots = family_roots(corpus, table.df["quantity"].to_numpy(dtype=object))
    codes, uniques = pd.factorize(roots)
    sizes = np.bincount(codes, minlength=len(uniques))
    # the largest families first, each to the partition with the fewest rows so far
    load = np.zeros(partitions, dtype=np.int64)
    assign = np.empty(len(uniques), dtype=np.int64)
    for family in np.argsort(-sizes, kind="stable"):
        target = int(np.argmin(load))
        assign[family] = target
        load[target] += sizes[family]
    part_of_row = assign[codes]
    order = np.argsort(part_of_row, kind="stable")
    bounds = np.searchsorted(part_of_row[order], np.arange(partitions + 1))
    return [order[bounds[i]:bounds[i + 1]] for i in range(partitions) if bounds[i + 1] > bounds[i]]


def partition_of(corpus, table, rows: np.ndarray):
    """(corpus, table) of one partition: its figures, and the sources and quantities they use."""
    from .frames import FigureFrame, RelationFrame
    from .load import empty_relations
    from .model import Corpus
    from .table import FigureTable

    figures = corpus.figures.df.iloc[rows].reset_index(drop=True) if isinstance(corpus.figures, FigureFrame) \
        else None
    if figures is None:
        ids = table.df["id"].to_numpy()[rows]
        figures_map = {fid: corpus.figures[fid] for fid in ids}
    else:
        figures_map = FigureFrame(figures)
    df = table.df.iloc[rows].reset_index(drop=True)
    sources = {s: corpus.sources[s] for s in pd.unique(df["source"]) if s in corpus.sources}
    sub_corpus = Corpus(corpus.files, sources, corpus.quantities, figures_map,
                        RelationFrame(empty_relations()), corpus.rates, corpus.skips)
    sub_table = FigureTable(df, table.exponents[rows], list(table.base_dims))
    return sub_corpus, sub_table


def run_partition(rules, corpus, table, settings) -> dict[str, list]:
    """On a worker: the rules over one partition. A Rule pickles its check function by
    reference, so a remote worker needs figcheck (and the rule's module) installed."""
    from .engine import hits_of
    from .rules import Context

    return hits_of(rules, Context(corpus, table, settings))


def run_partitioned(corpus, table, rules, settings, scheduler: str | None = None,
                    partitions: int | None = None) -> dict[str, list]:
    """{rule code: hits} of the per-quantity rules, computed partition by partition on Dask."""
    if not rules:
        return {}
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ValueError("--engine dask needs Dask: pip install 'figcheck[dask]'") from None
    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise ValueError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    else:
        # threads in this process: nothing to copy, and a 2-core machine gains little from more
        cluster = LocalCluster(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None)
        client = Client(cluster)
    try:
        workers = max(1, sum(client.nthreads().values()))
        n = partitions or max(1, min(4 * workers, len(table) // 5000 + 1))
        codes = [r.code for r in rules]
        futures = []
        for rows in partition_rows(corpus, table, n):
            sub_corpus, sub_table = partition_of(corpus, table, rows)
            futures.append(client.submit(run_partition, rules, sub_corpus, sub_table, settings, pure=False))
        hits: dict[str, list] = {c: [] for c in codes}
        for result in client.gather(futures):
            for code, found in result.items():
                hits[code].extend(found)
        return hits
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
