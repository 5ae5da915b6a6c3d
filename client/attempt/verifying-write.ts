/**
 * Whether the per-piece check stores `verifying` (with its last checkpoint) before the final
 * step (docs/downloads.md "One attempt"). That row keeps the bitmap of a file whose placement
 * then fails (`destination-exists`), so a `--rename` run later re-checks nothing; for a file of
 * one piece there is nothing worth keeping (its one piece is checked from the part again, or
 * fetched again), so it is skipped: one statement less per small file, whose `completed` is then
 * its only write after the claim and the plan.
 */

/** True when the `verifying` row is written: a file of two pieces or more. */
export function writesVerifying(pieceCount: number): boolean {
  return pieceCount > 1;
}
