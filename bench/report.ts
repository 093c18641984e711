export interface Row {
  measure: string;
  value: string;
  budget?: string;
  /** undefined when the row has no budget. */
  withinBudget?: boolean;
}

export interface Section {
  title: string;
  /** Sections measured together (the classroom's sizes): a partial run replaces the whole group. */
  group?: string;
  /** What was measured and how, in a sentence or two. */
  method: string;
  rows: Row[];
}

export function renderReport(sections: Section[], machine: { rounds: number; cpus: number; node: string }): string {
  const lines = [
    '# Benchmarks',
    '',
    'Written by `npm run bench`; every figure below comes from one run on one machine, so ratios compare like with like.',
    `Machine: ${machine.cpus} CPUs, Node ${machine.node}, Docker Engine on the same host. Rounds per measure: ${machine.rounds} unless stated.`,
    `Run at ${new Date().toISOString()}.`,
    '',
  ];
  return `${lines.join('\n')}\n${renderSections(sections)}`;
}

const HEADING = /^## (.+)$/;

/**
 * The report with a partial run's sections put in place of the ones it measured again (by title, or
 * every section of the same group), each marked with when and how it was measured; the other
 * sections and the header keep the whole run's figures.
 */
export function replaceSections(report: string, sections: Section[], how: string): string {
  const lines = report.split('\n');
  const chunks: { title?: string; lines: string[] }[] = [{ lines: [] }];
  for (const line of lines) {
    const heading = HEADING.exec(line);
    if (heading) chunks.push({ title: heading[1], lines: [] });
    chunks.at(-1)!.lines.push(line);
  }
  const groups = new Set(sections.flatMap((section) => (section.group ? [section.group] : [])));
  const titles = new Set(sections.map((section) => section.title));
  // A group's old sections are known by their marker line, since a group's titles change with its sizes.
  const replaced = (chunk: { title?: string; lines: string[] }) =>
    chunk.title !== undefined && (titles.has(chunk.title) || chunk.lines.some((line) => [...groups].some((group) => line === groupMarker(group))));
  const at = chunks.findIndex(replaced);
  const fresh = renderSections(sections, how).split('\n');
  const kept = chunks.filter((chunk) => !replaced(chunk));
  const insertAt = at < 0 ? kept.length : chunks.slice(0, at).filter((chunk) => !replaced(chunk)).length;
  kept.splice(insertAt, 0, { lines: fresh });
  return `${kept.flatMap((chunk) => chunk.lines).join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

const groupMarker = (group: string) => `<!-- bench group: ${group} -->`;

function renderSections(sections: Section[], how?: string): string {
  const lines: string[] = [];
  for (const section of sections) {
    lines.push(`## ${section.title}`, '');
    if (section.group) lines.push(groupMarker(section.group), '');
    if (how) lines.push(`*${how}*`, '');
    lines.push(section.method, '', '| Measure | Value | Budget | |', '|---|---|---|---|');
    for (const row of section.rows) {
      const verdict = row.withinBudget === undefined ? '' : row.withinBudget ? 'within' : '**over**';
      lines.push(`| ${row.measure} | ${row.value} | ${row.budget ?? ''} | ${verdict} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
