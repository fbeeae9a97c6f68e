// Rewrites the "## Flags" section of docs/cli.md from the commands' own --help (run after
// `pnpm build`): the data and augmentation flags once, then each command's usage with those
// lines replaced by a pointer. test/cli/docs.test.ts checks that every --help line is there.
import { readFileSync, writeFileSync } from 'node:fs';
import { COMMANDS } from '../packages/cli/dist/commandTable.js';
import { dataUsage } from '../packages/cli/dist/options.js';

const DOC = new URL('../docs/cli.md', import.meta.url);
const data = dataUsage().split('\n');
const dataLines = new Set(data);
const block = (text) => ['```text', text, '```', ''].join('\n');

/** `usage` with the data block (from "Data:" to the --seed entry) replaced by one pointer line. */
function withoutData(usage) {
  const lines = usage.split('\n');
  const start = lines.indexOf('Data:');
  if (start < 0) return usage;
  let end = lines.findIndex((line, i) => i > start && line.startsWith('  --seed '));
  while (end + 1 < lines.length && lines[end + 1].startsWith(' '.repeat(8))) end++;
  const own = lines.slice(start, end + 1).filter((line) => !dataLines.has(line));
  const pointer = own.length > 0 ? '  (the data and augmentation flags above, with this --split:)' : '  (the data and augmentation flags above, then:)';
  return [...lines.slice(0, start), pointer, ...own, ...lines.slice(end + 1)].join('\n');
}

// Each command's flags and --help are imported on demand (commandTable.ts): all of them here.
const usages = await Promise.all(Object.entries(COMMANDS).map(async ([name, c]) => [name, (await c.flags()).usage]));
const users = usages.filter(([, usage]) => usage.includes('\nData:\n')).map(([name]) => `\`${name}\``);
const sections = [
  '## Flags',
  '',
  `### Data and augmentation (${users.join(', ')})`,
  '',
  block(data.join('\n')),
  ...usages.flatMap(([name, usage]) => [`### \`${name}\``, '', block(withoutData(usage))]),
];
const text = readFileSync(DOC, 'utf8');
const at = text.indexOf('\n## Flags\n');
if (at < 0) throw new Error(`Expected a "## Flags" heading in ${DOC.pathname}`);
writeFileSync(DOC, `${text.slice(0, at + 1)}${sections.join('\n').trimEnd()}\n`);
console.log(`wrote the flags of ${Object.keys(COMMANDS).length} commands into ${DOC.pathname}`);
