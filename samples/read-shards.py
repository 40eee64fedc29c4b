#!/usr/bin/env python3
"""Reads the shards written by `scat extract --shard I/N -o feats-{shard}.parquet` as one table.

    python3 samples/read-shards.py 'feats-*.parquet'

With DuckDB (pip install duckdb) the glob is one SQL table; without it, pandas + pyarrow read the files
one by one. Either way the rows come in shard order, which is the order of a single run over the input.
"""
import glob
import json
import sys


def fail(message):
    """One line on stderr and exit code 1, instead of a traceback."""
    print(f"read-shards.py: error: {message}", file=sys.stderr)
    sys.exit(1)


pattern = sys.argv[1] if len(sys.argv) > 1 else "feats-*.parquet"
if not glob.glob(pattern):
    fail(f"no file matches {pattern!r}: write the shards first with scat (on PATH, or see README): "
         "scat extract INPUT --shard I/N -o 'feats-{shard}.parquet'")
try:
    import duckdb

    con = duckdb.connect()
    table = con.sql(f"SELECT path, label, class, features FROM read_parquet('{pattern}', filename = true, file_row_number = true) "
                    "ORDER BY filename, file_row_number").df()
    meta = con.sql(f"SELECT decode(value) FROM parquet_kv_metadata('{pattern}') WHERE decode(key) = 'scat' LIMIT 1").fetchone()[0]
except ImportError:
    try:
        import pandas as pd
        import pyarrow.parquet as pq
    except ImportError:
        fail("reading Parquet needs duckdb, or pandas and pyarrow (pip install duckdb)")

    files = sorted(glob.glob(pattern))
    table = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    meta = pq.read_metadata(files[0]).metadata[b"scat"].decode()

import numpy as np

info = json.loads(meta)
X = np.stack(table["features"].to_numpy()).astype(np.float32).reshape([len(table)] + info["feature_shape"])
y = table["label"].to_numpy()
print(f"{len(table)} images, features {X.shape}, classes {info['classes']}")
print(table[["path", "label", "class"]].head())
