/** Byte counts for people: decimal units (B, kB, MB, GB, TB), three significant digits at most. */
const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'] as const;

export function humanSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 999.5 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const text = unit === 0 || Math.abs(value) >= 99.95 ? value.toFixed(0) : value.toFixed(1);
  return `${text} ${UNITS[unit]}`;
}
