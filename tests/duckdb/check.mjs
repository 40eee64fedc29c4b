// Reads Parquet files written by scat with DuckDB and prints one JSON document on stdout:
// the column types, every row (path, label, class, features, shape) and the 'scat' key-value metadata.
// Usage: node check.mjs 'GLOB.parquet'
import { DuckDBInstance } from '@duckdb/node-api';

const glob = process.argv[2].replaceAll("'", "''");
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const rows = async (sql) => (await c.runAndReadAll(sql)).getRowObjectsJson();
const out = {
  columns: await rows(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${glob}'))`),
  rows: await rows(`SELECT path, label, class, features, shape FROM read_parquet('${glob}', filename = true, file_row_number = true)
                    ORDER BY filename, file_row_number`),
  metadata: await rows(`SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata('${glob}')`),
};
process.stdout.write(JSON.stringify(out));
