// Writes a Parquet image table with DuckDB (an independent writer), for scat's Parquet input tests.
// Usage: node make-image-table.mjs LIST.tsv OUT.parquet struct|plain ROWS_PER_GROUP
// LIST.tsv: one row a line, "FILE<TAB>PATH<TAB>LABEL"; an empty FILE gives a NULL image (bytes), an empty PATH a NULL path,
// an empty LABEL a NULL label. 'struct' writes image STRUCT(bytes BLOB, path VARCHAR) (Hugging Face's Image
// feature), 'plain' writes image BLOB; label is INTEGER. Rows keep the list's order.
// DuckDB rounds ROW_GROUP_SIZE up to its vector size (2048 rows), so small tables come out as one row group.
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [list, out, kind, perGroup] = process.argv.slice(2);
const q = (s) => "'" + s.replaceAll("'", "''") + "'";
const rows = readFileSync(list, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run('CREATE TABLE l (ord INTEGER, file VARCHAR, path VARCHAR, label INTEGER)');
for (let i = 0; i < rows.length; i++) {
  const [file, path, label] = rows[i];
  await c.run(`INSERT INTO l VALUES (${i}, ${file ? q(file) : 'NULL'}, ${path ? q(path) : 'NULL'}, ${label ? Number(label) : 'NULL'})`);
}
const files = rows.map((r) => r[0]).filter((f) => f.length > 0);
const blobs = files.length ? `read_blob([${[...new Set(files)].map(q).join(', ')}])` : '(SELECT NULL::VARCHAR AS filename, NULL::BLOB AS content WHERE false)';
const image = kind === 'struct'
  ? "{'bytes': b.content, 'path': l.path}"
  : 'b.content';
await c.run(`COPY (SELECT ${image} AS image, l.label AS label FROM l LEFT JOIN ${blobs} b ON b.filename = l.file ORDER BY l.ord)
             TO ${q(out)} (FORMAT parquet, ROW_GROUP_SIZE ${Number(perGroup)})`);
const described = await c.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(${q(out)}))`);
const groups = await c.runAndReadAll(`SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata(${q(out)})`);
process.stdout.write(JSON.stringify({ columns: described.getRowObjectsJson(), row_groups: groups.getRowObjectsJson()[0].n }));
