/** Pure formatting for the web page: sizes, dates, kinds. */

/** Byte sizes, as the CLI shows them: the one formatter of common/format-bytes.ts. */
export { formatBytes as formatSize } from "../../common/format-bytes.js";

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
