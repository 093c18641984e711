/**
 * Columns laid out like the docker CLI's tabwriter (minwidth 10, padding 3, spaces): each column is
 * as wide as its widest cell plus three, and never narrower than ten. The last column is not padded.
 */
export function formatTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) =>
    Math.max(10, ...all.map((row) => [...(row[column] ?? '')].length + 3)),
  );
  return all
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]! - ([...cell].length - cell.length))))
        .join('')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}
