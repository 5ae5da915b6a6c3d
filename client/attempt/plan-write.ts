/**
 * Whether the plan of a per-piece attempt writes the row (docs/downloads.md "Statements and
 * fsyncs per file"). The plan stores what it learnt: size, etag, digest, pieces root, piece
 * length, and the bitmap that still fits. A folder's file job is created knowing all of them
 * (its listing gave them), so on its first attempt the write would change nothing but
 * `updated_at`: it is skipped, one write transaction less per file.
 */

/** What the plan would store. */
export interface PlanFacts {
  readonly expected_size: number;
  readonly expected_etag: string;
  readonly expected_sha256: string | null;
  readonly pieces_root: string;
  readonly piece_length: number;
  readonly pieces_verified: string | null;
}

/** The row's side of the same columns (as read: numbers may come back as bigint or string). */
export interface PlanRow {
  readonly expected_size: number | bigint | string | null;
  readonly expected_etag: string | null;
  readonly expected_sha256: string | null;
  readonly pieces_root?: string | null | undefined;
  readonly piece_length?: number | bigint | string | null | undefined;
  readonly pieces_verified?: string | null | undefined;
}

const asNumber = (v: number | bigint | string | null | undefined): number | null =>
  v === null || v === undefined ? null : Number(v);

/** True when storing `facts` would change a column of `row` (other than `updated_at`). Pure. */
export function planChangesRow(row: PlanRow, facts: PlanFacts): boolean {
  return (
    asNumber(row.expected_size) !== facts.expected_size ||
    row.expected_etag !== facts.expected_etag ||
    row.expected_sha256 !== facts.expected_sha256 ||
    (row.pieces_root ?? null) !== facts.pieces_root ||
    asNumber(row.piece_length) !== facts.piece_length ||
    (row.pieces_verified ?? null) !== facts.pieces_verified
  );
}
