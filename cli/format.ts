// Human-readable output: tables, sizes, dates. Pure.

/** Replaces control and bidi characters so that untrusted text (file names) cannot drive the terminal. */
export function printable(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** {@link printable} line by line: the CLI's own line breaks kept, everything else escaped. */
export function printableLines(text: string): string {
  return text.split("\n").map(printable).join("\n");
}

/** Byte sizes: the one formatter of common/format-bytes.ts. */
export { formatBytes } from "../common/format-bytes.js";

/** `2027-01-31 12:00` (UTC, minutes), or `-` for none. */
export function formatDate(date: Date | null | undefined): string {
  if (date === null || date === undefined || Number.isNaN(date.getTime())) return "-";
  return `${date.toISOString().slice(0, 16).replace("T", " ")}Z`;
}

/** A column of {@link formatTable}. */
export interface Column<T> {
  /** Header text. */
  readonly header: string;
  /** Cell text for a row (made printable). */
  readonly value: (row: T) => string;
  /** Right-align (numbers). @default false */
  readonly right?: boolean;
}

/** Lays rows out in aligned columns under a header; the last column is not padded. */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((c) => printable(c.value(row))));
  const widths = columns.map((c, i) => Math.max(width(c.header), ...cells.map((r) => width(r[i] ?? ""))));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => {
        if (i === values.length - 1 && !columns[i]?.right) return v;
        const pad = " ".repeat((widths[i] ?? 0) - width(v));
        return columns[i]?.right ? pad + v : v + pad;
      })
      .join("  ");
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join("\n") + "\n";
}

function width(text: string): number {
  return [...text].length;
}
