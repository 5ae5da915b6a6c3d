/** Pure formatting for the web page: sizes, dates, kinds. */

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** `0 B`, `512 B`, `1.5 KiB`, `12 MiB`: one decimal below 10 units. */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "?";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${bytes} B`;
  return `${value < 10 ? (Math.floor(value * 10) / 10).toFixed(1) : Math.floor(value)} ${UNITS[unit]}`;
}

/** `2026-11-29 14:05 UTC`: one fixed form, no locale (the page is the same for everyone). */
export function formatWhen(ms: number): string {
  if (!Number.isFinite(ms)) return "?";
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** A short kind for a media type: `text/plain` → `text`, `application/pdf` → `pdf`, unknown → `file`. */
export function kindOf(contentType: string): string {
  const type = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  if (type === "" || type === "application/octet-stream") return "file";
  const [major, minor = ""] = type.split("/");
  if (major === "application") return minor.replace(/^(x-|vnd\.)/, "").split(/[.+]/)[0] || "file";
  return major ?? "file";
}
