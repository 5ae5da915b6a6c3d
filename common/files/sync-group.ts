/**
 * Group commit for fsync (docs/downloads.md "Safe writes", "Durability"): callers that need the
 * same file (a directory, a WAL) made durable share one fsync. A caller's own write happened
 * before it asks, so it may join only an fsync that starts after it asked: while one is in flight,
 * every caller that arrives waits for the next one, which starts when it ends and serves them all.
 * Eight files finishing at once in one directory take one or two fsyncs instead of eight.
 */

/** Makes one key durable (fsync of a path, say). */
export type SyncOne = (key: string) => Promise<void>;

/** Shared fsyncs by key. */
export interface SyncGroup {
  /** Resolves once an fsync of `key` that started after this call has ended; rejects with its error. */
  sync(key: string): Promise<void>;
}

interface KeyState {
  /** The fsync running now (it may have started before a new caller's write). */
  running: Promise<void> | undefined;
  /** The next fsync, shared by every caller that arrived while one was running. */
  next: Promise<void> | undefined;
}

/** Creates a group over `syncOne`; keys are independent (each its own running and next fsync). */
export function createSyncGroup(syncOne: SyncOne): SyncGroup {
  const states = new Map<string, KeyState>();
  const start = (key: string, state: KeyState): Promise<void> => {
    const run = syncOne(key);
    state.running = run;
    const settled = () => {
      if (state.running === run) state.running = undefined;
      if (state.running === undefined && state.next === undefined) states.delete(key);
    };
    run.then(settled, settled);
    return run;
  };
  return {
    sync(key) {
      let state = states.get(key);
      if (state === undefined) {
        state = { running: undefined, next: undefined };
        states.set(key, state);
      }
      const running = state.running;
      if (running === undefined) return start(key, state);
      if (state.next !== undefined) return state.next;
      const s = state;
      const after = running.then(
        () => undefined,
        () => undefined,
      );
      const next = after.then(() => {
        s.next = undefined;
        return start(key, s);
      });
      s.next = next;
      return next;
    },
  };
}
