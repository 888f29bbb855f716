/** docs/errors.md lists exactly the codes of src/errors.ts, each with its HTTP status. */
import fs from 'node:fs';
import path from 'node:path';
import { errorCatalogue } from '../src/errors';

interface DocRow {
  line: number;
  code: string;
  status: number;
  description: string;
}

/** The rows of the first Markdown table whose header starts with "Code | HTTP status". */
function tableRows(markdown: string): DocRow[] {
  const lines = markdown.split('\n');
  const cells = (line: string) =>
    line
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((c) => c.trim());
  const header = lines.findIndex(
    (l) => /^\|/.test(l.trim()) && /^code$/i.test(cells(l)[0] ?? '') && /status/i.test(cells(l)[1] ?? ''),
  );
  if (header < 0) throw new Error('docs/errors.md has no table with a "Code | HTTP status" header');
  if (!/^\|?\s*:?-+/.test(lines[header + 1]?.trim() ?? ''))
    throw new Error('The table header has no separator line');
  const rows: DocRow[] = [];
  for (let i = header + 2; i < lines.length && lines[i]!.trim().startsWith('|'); i++) {
    const [code = '', status = '', description = ''] = cells(lines[i]!);
    rows.push({ line: i + 1, code: code.replace(/^`|`$/g, ''), status: Number(status), description });
  }
  return rows;
}

describe('docs/errors.md', () => {
  const rows = tableRows(fs.readFileSync(path.join(__dirname, '..', 'docs', 'errors.md'), 'utf8'));
  const catalogue = errorCatalogue as Record<string, { status: number; description: string }>;

  test('lists every catalogue code, and only those, once each', () => {
    const listed = rows.map((r) => r.code);
    const codes = Object.keys(errorCatalogue);
    expect({
      missing: codes.filter((c) => !listed.includes(c)),
      unknown: listed.filter((c) => !codes.includes(c)),
      duplicated: listed.filter((c, i) => listed.indexOf(c) !== i),
    }).toEqual({ missing: [], unknown: [], duplicated: [] });
  });

  test('gives each code its HTTP status and a description', () => {
    const wrong = rows
      .filter((r) => catalogue[r.code] !== undefined)
      .filter((r) => r.status !== catalogue[r.code]!.status || r.description === '')
      .map((r) => ({
        line: r.line,
        code: r.code,
        docs: r.status,
        catalogue: catalogue[r.code]!.status,
        description: r.description,
      }));
    expect(wrong).toEqual([]);
  });
});
