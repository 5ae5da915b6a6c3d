/**
 * Which check an attempt's transfer runs (docs/pieces.md "Which path an attempt takes"):
 * per piece when piece verification is on and a plan (root + checked layer) was made, else
 * the SHA-256 check over the whole file — which keeps only the verified prefix, so a piece
 * bitmap left by an earlier attempt is forgotten first (it would claim pieces past the
 * part the SHA-256 check truncates).
 */

/** Input of {@link chooseCheck}. */
export interface CheckChoiceInput {
  /** The manager's `verifyPieces` option. */
  readonly verifyPieces: boolean;
  /** True when planPieces gave a plan (a root and its checked piece layer). */
  readonly planned: boolean;
  /** True when the row holds a piece bitmap. */
  readonly rowHasBitmap: boolean;
}

/** The check, and for the SHA-256 check whether the row's bitmap must be cleared first. */
export type CheckChoice = { readonly kind: "pieces" } | { readonly kind: "sha256"; readonly forgetBitmap: boolean };

/** Decides the check of an attempt. */
export function chooseCheck(i: CheckChoiceInput): CheckChoice {
  if (i.verifyPieces && i.planned) return { kind: "pieces" };
  return { kind: "sha256", forgetBitmap: i.rowHasBitmap };
}
