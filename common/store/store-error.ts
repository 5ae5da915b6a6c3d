/** A store could not be opened or migrated; the message names the database and the cause, for the user. */
export class StoreError extends Error {
  override readonly name = "StoreError";
}
