/** Sizes and counts in build output, printed the way the docker CLI prints them (github.com/docker/go-units). */

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** go-units HumanSizeWithPrecision: decimal multiples, `precision` significant digits. */
export function humanSize(bytes: number, precision = 4): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < DECIMAL_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${Number(value.toPrecision(precision))}${DECIMAL_UNITS[unit]}`;
}

export function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}
