/** The one byte-size formatter of the CLI, the web page and error messages. Pure. */

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/**
 * `0 B`, `1023 B`, `1.5 KiB`, `10.0 MiB`, `150 MiB`: binary units, one decimal below 100,
 * rounded to what is shown; a value that rounds up to 1024 of a unit is shown in the next
 * (1,048,575 bytes is `1.0 MiB`, not `1024 KiB`). `?` for a negative or non-finite number.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "?";
  if (bytes < 1024) return `${Math.floor(bytes)} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  let shown = value >= 99.95 ? Math.round(value) : Math.round(value * 10) / 10;
  if (shown >= 1024 && unit < UNITS.length - 1) {
    shown = Math.round((shown / 1024) * 10) / 10;
    unit++;
  }
  return `${shown >= 100 ? shown.toFixed(0) : shown.toFixed(1)} ${UNITS[unit]}`;
}
