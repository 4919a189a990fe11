// The support table is written once (facts/vm-backup-support.json) and shown in emulator/README.md: the
// README's table must say exactly what the JSON says, and every fact must name a source that exists.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const TABLE = JSON.parse(readFileSync(join(ROOT, 'facts/vm-backup-support.json'), 'utf8')) as {
  sources: Record<string, { title: string; url: string }>;
  rows: { fact: string; about: string; classic: unknown; modern: unknown; sources: { classic: string; modern: string } }[];
};
const README = readFileSync(join(ROOT, 'emulator/README.md'), 'utf8');

/** How the README writes a value of the table. */
function cell(v: unknown): string {
  if (v === null) return '–';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.length ? v.join(', ') : 'none';
  if (typeof v === 'object') {
    const r = v as { min: number; max: number };
    return `${r.min}–${r.max}`;
  }
  return String(v);
}

function readmeRow(row: (typeof TABLE.rows)[number]): string {
  return `| \`${row.fact}\` | ${row.about} | ${cell(row.classic)} [${row.sources.classic}] | ${cell(row.modern)} [${row.sources.modern}] |`;
}

describe('the support table', () => {
  test.each(TABLE.rows.map((r) => ({ fact: r.fact, row: r })))('README shows $fact as the JSON says', ({ row }) => {
    expect(README).toContain(readmeRow(row));
  });

  test('every fact names sources that are listed, and the README lists each source', () => {
    for (const row of TABLE.rows) {
      for (const key of [row.sources.classic, row.sources.modern]) expect(TABLE.sources[key], `${row.fact}: source ${key}`).toBeDefined();
    }
    for (const [key, s] of Object.entries(TABLE.sources)) {
      if (s.url) expect(s.url, key).toMatch(/^https:\/\//);
      expect(README).toContain(`- [${key}] ${s.url ? `[${s.title}](${s.url})` : s.title}`);
    }
  });

  test('the README has no row the JSON lacks', () => {
    const section = README.slice(README.indexOf('## Support per profile'), README.indexOf('## Preconditions'));
    const rows = section.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows).toEqual(TABLE.rows.map(readmeRow));
  });
});
