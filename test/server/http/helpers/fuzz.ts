/**
 * Test helper: seeded generators of hostile-but-sendable Range and If-*
 * values (visible ASCII, SP, HTAB only, so real clients can send them), and
 * the invariants every response must satisfy.
 */
import assert from "node:assert/strict";
import { formatHttpDate } from "../../../../common/http/http-date.js";
import { parseMultipart } from "./multipart.js";
import { seededRandom } from "../../../../client/retry/backoff.js";

/** mulberry32: a small seeded PRNG returning [0, 1) (the one the retry tests use). */
export const prng = seededRandom;

/** Random helpers over one PRNG. */
export class Gen {
  constructor(readonly random: () => number) {}
  int(max: number): number {
    return Math.floor(this.random() * max);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.random() < p;
  }

  /** A position near the interesting boundaries of a file of `size` bytes. */
  position(size: number): string {
    return this.pick([
      () => "0",
      () => "1",
      () => String(Math.max(0, size - 1)),
      () => String(size),
      () => String(size + 1),
      () => String(this.int(size + 2)),
      () => String(this.int(size + 2)),
      () => "99999999999999999999",
      () => "0000" + String(this.int(size + 2)),
      () => String(2 ** 53 + this.int(10)),
    ])();
  }

  /** One range-spec, valid or nearly so. */
  spec(size: number): string {
    const ows = (): string => (this.chance(0.15) ? this.pick([" ", "\t", "  "]) : "");
    const body = this.pick([
      () => `${this.position(size)}-${this.position(size)}`,
      () => `${this.position(size)}-`,
      () => `-${this.position(size)}`,
      () => `${this.int(size + 1)}-${this.int(size + 1)}`,
      () => {
        const a = this.int(size + 1);
        return `${a}-${a + this.int(size + 1)}`;
      },
      () => {
        const a = this.int(size + 1);
        return `${a}-${a + this.int(size + 1)}`;
      },
      () => "",
    ])();
    return ows() + body + ows();
  }

  /** A Range value: mostly grammatical lists, then mutated. */
  range(size: number): string {
    const unit = this.pick(["bytes", "bytes", "bytes", "bytes", "Bytes", "BYTES", "items", "bytes ", "byte", ""]);
    const count = this.chance(0.7) ? 1 + this.int(4) : 1 + this.int(40);
    const specs = Array.from({ length: count }, () => this.spec(size));
    let value = `${unit}=${specs.join(this.pick([",", ", ", " ,", ",,"]))}`;
    if (this.chance(0.3)) value = this.mutate(value);
    // A field value never starts or ends with whitespace (RFC 9110 §5.5); HTTP/2 stacks drop such fields.
    return value.replace(/^[ \t]+|[ \t]+$/g, "");
  }

  /** Deletes, inserts, duplicates or swaps characters. */
  mutate(value: string): string {
    const alphabet = '0123456789-=,; abtsyBx\t*"/W';
    let v = value;
    for (let n = 1 + this.int(3); n > 0; n--) {
      const i = this.int(v.length + 1);
      switch (this.int(4)) {
        case 0:
          v = v.slice(0, i) + v.slice(i + 1);
          break;
        case 1:
          v = v.slice(0, i) + this.pick([...alphabet]) + v.slice(i);
          break;
        case 2:
          v = v.slice(0, i) + v.slice(i, i + 1 + this.int(6)) + v.slice(i);
          break;
        default:
          v = v.slice(i) + v.slice(0, i);
      }
    }
    return v;
  }

  /** Conditional header fields, drawn from values that match, almost match, and are garbage. */
  conditionals(etag: string, lastModified: number): Record<string, string> {
    const dates = [0, 0, -1, 1, -60, 60, -86400 * 400].map((d) => formatHttpDate(lastModified + d * 1000));
    const d = new Date(lastModified);
    const obsolete = [
      `${["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"][d.getUTCDay()]}, ${formatHttpDate(d).slice(5, 7)}-${formatHttpDate(d).slice(8, 11)}-${String(d.getUTCFullYear()).slice(2)} ${formatHttpDate(d).slice(17, 25)} GMT`,
      `${formatHttpDate(d).slice(0, 3)} ${formatHttpDate(d).slice(8, 11)} ${String(d.getUTCDate()).padStart(2, " ")} ${formatHttpDate(d).slice(17, 25)} ${d.getUTCFullYear()}`,
    ];
    const tags = [etag, `W/${etag}`, '"other"', "*", `"x", ${etag}`, `${etag},W/"y"`, "garbage", "", '"unterminated'];
    const value = (pool: readonly string[]): string =>
      (this.chance(0.2) ? this.mutate(this.pick(pool)) : this.pick(pool)).replace(/^[ \t]+|[ \t]+$/g, "");
    const fields: Record<string, string> = {};
    if (this.chance(0.2)) fields["if-match"] = value(tags);
    if (this.chance(0.2)) fields["if-unmodified-since"] = value([...dates, ...obsolete, "garbage"]);
    if (this.chance(0.2)) fields["if-none-match"] = value(tags);
    if (this.chance(0.2)) fields["if-modified-since"] = value([...dates, ...obsolete, "garbage"]);
    if (this.chance(0.3)) fields["if-range"] = value([etag, `W/${etag}`, '"other"', ...dates, ...obsolete, "garbage"]);
    return fields;
  }
}

/** A response reduced to what the invariants look at (header names lower-case). */
export interface Observed {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body; for HEAD, undefined. */
  readonly body: Buffer | undefined;
}

/** Asserts what must hold for every response to any Range / If-* combination. Returns the byte ranges served. */
export function checkInvariants(res: Observed, file: Buffer, context: string): void {
  const size = file.length;
  const h = res.headers;
  assert.ok([200, 206, 304, 412, 416].includes(res.status), `${context}: status ${res.status}`);
  assert.equal(h["content-encoding"], undefined, context);
  const body = res.body;
  if (body !== undefined && res.status !== 304)
    assert.equal(h["content-length"], String(body.length), `${context}: Content-Length`);
  if (res.status === 200) {
    assert.equal(h["content-range"], undefined, context);
    assert.equal(h["content-length"], String(size), context);
    if (body) assert.ok(body.equals(file), `${context}: 200 body`);
  } else if (res.status === 416) {
    assert.equal(h["content-range"], `bytes */${size}`, context);
  } else if (res.status === 206) {
    assert.ok(size > 0, `${context}: never 206 for an empty file`);
    const ct = h["content-type"] ?? "";
    if (ct.startsWith("multipart/byteranges")) {
      assert.equal(h["content-range"], undefined, `${context}: no top-level Content-Range on multipart`);
      if (body) {
        const parts = parseMultipart(body, ct);
        assert.ok(parts.length >= 2 && parts.length <= 32, `${context}: ${parts.length} parts`);
        for (const p of parts) {
          assert.ok(p.first <= p.last && p.last < size && p.size === size, `${context}: part range`);
          assert.ok(p.body.equals(file.subarray(p.first, p.last + 1)), `${context}: part bytes`);
        }
      }
    } else {
      const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(h["content-range"] ?? "");
      assert.ok(m, `${context}: Content-Range ${h["content-range"]}`);
      const [first, last, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
      assert.ok(first <= last && last < size && total === size, `${context}: Content-Range ${h["content-range"]}`);
      assert.equal(h["content-length"], String(last - first + 1), context);
      if (body) assert.ok(body.equals(file.subarray(first, last + 1)), `${context}: 206 body`);
    }
  } else if (res.status === 304) {
    assert.ok(body === undefined || body.length === 0, context);
    assert.ok(h["etag"], context);
  }
}
