/**
 * The FIFO of decoded ReadFile messages between the stream and the reader of the message pump
 * (message-pump.ts), counting the data bytes it holds.
 */
import type { ReadFileFields } from "../../../common/wire/read-file-decode.js";

/** The data bytes of a message (what the queue counts against the high water mark). */
export function sizeOf(fields: ReadFileFields): number {
  let n = 0;
  for (const d of fields.data) n += d.length;
  return n;
}

/** A FIFO of messages with a moving head (no shift per message) and their data bytes. */
export class MessageQueue {
  private readonly items: ReadFileFields[] = [];
  private head = 0;
  private queuedBytes = 0;

  /** Data bytes of the messages waiting. */
  get bytes(): number {
    return this.queuedBytes;
  }

  /** Whether a message waits. */
  get waiting(): boolean {
    return this.head < this.items.length;
  }

  /** Queues a message at the tail. */
  push(fields: ReadFileFields): void {
    this.items.push(fields);
    this.queuedBytes += sizeOf(fields);
  }

  /** Takes the message at the head; only when {@link waiting}. */
  take(): ReadFileFields {
    const fields = this.items[this.head] as ReadFileFields;
    this.items[this.head++] = undefined as unknown as ReadFileFields;
    // Drop the taken slots once they are most of the array (a splice per 64+ messages, not per message).
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    this.queuedBytes -= sizeOf(fields);
    return fields;
  }

  /** Forgets every waiting message. */
  clear(): void {
    this.items.length = 0;
    this.head = 0;
    this.queuedBytes = 0;
  }
}
