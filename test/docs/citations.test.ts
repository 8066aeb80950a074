import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Comments and docs cite the project's own documents (`docs/3cx-facts.md §1.4`,
 * `docs/design.md "Which events fire"`): a reader of the repository has nothing else, so every
 * citation must lead to a file in the repository and to a section that exists in it.
 */
const ROOT = join(__dirname, '..', '..');
const SCANNED = [
  'index.ts',
  'triggers',
  'actions',
  'lib',
  'bridge',
  'sim',
  'bench',
  'scripts',
  'test',
  'docs',
  'make',
  'README.md',
  '3cx-template.xml',
];
const SKIP = new Set(['node_modules', 'dist', 'build', 'reports', 'data', 'fixtures']);
const TEXT = /\.(ts|js|mjs|cjs|md|xml|json|iml)$/;

function filesUnder(path: string): string[] {
  const full = join(ROOT, path);
  if (!existsSync(full)) return [];
  if (statSync(full).isFile()) return TEXT.test(path) ? [path] : [];
  return readdirSync(full)
    .filter((name) => !SKIP.has(name))
    .flatMap((name) => filesUnder(join(path, name)));
}

/** Section numbers (`1`, `1.4`) and heading texts a document offers. */
function sectionsOf(doc: string): { numbers: Set<string>; titles: string[] } {
  const numbers = new Set<string>();
  const titles: string[] = [];
  for (const line of readFileSync(join(ROOT, doc), 'utf8').split('\n')) {
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    const label = /^\s*[-*]\s+\*\*([^*]+?)\.?\*\*/.exec(line);
    if (label) titles.push(label[1].trim());
    if (!heading) continue;
    titles.push(heading[1].trim());
    const number = /^§?(\d+(?:\.\d+)*)[.\s]/.exec(`${heading[1]} `);
    if (number) numbers.add(number[1]);
  }
  return { numbers, titles };
}

interface Citation {
  file: string;
  doc: string;
  section?: string;
  title?: string;
}

function citationsIn(file: string): Citation[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const found: Citation[] = [];
  const pattern = /docs\/([a-z0-9-]+\.md)(?:\s*(?:§|\\u00a7)\s*(\d+(?:\.\d+)*)|\s+"([^"\n]+)")?/g;
  for (const m of text.matchAll(pattern))
    found.push({ file, doc: `docs/${m[1]}`, section: m[2], title: m[3] });
  return found;
}

const files = SCANNED.flatMap(filesUnder).filter((file) => file !== relative(ROOT, __filename));
const citations = files.flatMap(citationsIn);

describe('citations in code and docs', () => {
  it('are found at all (the scan works)', () => {
    expect(citations.length).toBeGreaterThan(100);
  });

  it('name documents that are in the repository', () => {
    const missing = citations.filter((c) => !existsSync(join(ROOT, c.doc)));
    expect(missing.map((c) => `${c.file}: ${c.doc}`)).toEqual([]);
  });

  it('name sections that exist in those documents', () => {
    const cache = new Map<string, ReturnType<typeof sectionsOf>>();
    const broken: string[] = [];
    for (const c of citations) {
      if (!existsSync(join(ROOT, c.doc))) continue;
      if (!cache.has(c.doc)) cache.set(c.doc, sectionsOf(c.doc));
      const { numbers, titles } = cache.get(c.doc)!;
      if (c.section && !numbers.has(c.section)) broken.push(`${c.file}: ${c.doc} §${c.section}`);
      if (c.title && !titles.some((t) => t.toLowerCase().startsWith(c.title!.toLowerCase())))
        broken.push(`${c.file}: ${c.doc} "${c.title}"`);
    }
    expect(broken).toEqual([]);
  });

  it('never point outside the repository', () => {
    const outside = files.filter((file) =>
      /\.\.\/shared\/|(?<![\w/])DESIGN\.md|(?<![\w/.])(3cx-facts|zapier-facts|xapi-schemas)(\.md)?\s*§/.test(
        readFileSync(join(ROOT, file), 'utf8'),
      ),
    );
    expect(outside).toEqual([]);
  });
});
