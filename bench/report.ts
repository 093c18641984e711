export interface Row {
  measure: string;
  value: string;
  budget?: string;
  /** undefined when the row has no budget. */
  withinBudget?: boolean;
}

export interface Section {
  title: string;
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
  for (const section of sections) {
    lines.push(`## ${section.title}`, '', section.method, '', '| Measure | Value | Budget | |', '|---|---|---|---|');
    for (const row of section.rows) {
      const verdict = row.withinBudget === undefined ? '' : row.withinBudget ? 'within' : '**over**';
      lines.push(`| ${row.measure} | ${row.value} | ${row.budget ?? ''} | ${verdict} |`);
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
