/**
 * Holds V8's young generation at its start size for the whole `peer` process (imported first by
 * entry.ts, so it applies before any other module loads). V8 starts each semi-space at 1 MiB and
 * doubles it under a high allocation rate (a download's chunks and promises) up to 16 MiB, which
 * stays resident: 8–15 MiB of a `peer get`'s peak. V8 reads the growth factor whenever it would
 * grow the space, so it can be set at run time (`--max-semi-space-size` is read only when the
 * isolate starts). Measured in docs/performance.md "Client memory".
 */
import v8 from "node:v8";

/** V8's semi-space growth factor for the `peer` process (V8's default is 2). */
export const SEMI_SPACE_GROWTH_FACTOR = 1;

v8.setFlagsFromString(`--semi-space-growth-factor=${SEMI_SPACE_GROWTH_FACTOR}`);
