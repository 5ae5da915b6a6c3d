/**
 * When the ReadFile message pump pauses or resumes its stream: paused while more than the high
 * water mark of decoded bytes wait, resumed once at most a quarter of it is left (message-pump.ts).
 */

/** What the pump does to its stream: pause it, resume it, or leave it as it is. */
export type PumpFlow = "pause" | "resume" | "keep";

/** The pump's state when it decides, after a change to its queue. */
export interface PumpFlowState {
  /** What changed: messages were queued (a 'data' event) or one was taken by the reader. */
  readonly change: "queued" | "taken";
  /** Decoded bytes waiting in the queue after the change. */
  readonly queuedBytes: number;
  /** The pump's high water mark (PumpOptions.highWaterBytes). */
  readonly highWaterBytes: number;
  /** Whether the stream is paused now. */
  readonly paused: boolean;
  /** Whether the pump still reads (it neither failed nor ended). */
  readonly open: boolean;
}

/**
 * Pause after queueing past the high water mark; resume a paused, open stream after a take leaves
 * at most a quarter of it (the gap keeps the stream from flapping on every message).
 */
export function pumpFlow(state: PumpFlowState): PumpFlow {
  if (state.change === "queued") return state.queuedBytes > state.highWaterBytes ? "pause" : "keep";
  // At or below a quarter (not only below): with a high water mark of 0 an empty queue resumes.
  return state.queuedBytes <= state.highWaterBytes / 4 && state.paused && state.open ? "resume" : "keep";
}
