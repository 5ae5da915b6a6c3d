/**
 * The `Headers` class the `peer` bundle uses in place of Node's global one (scripts/build.mjs injects
 * it: every free `Headers` in the bundled code, Connect's included, names this class; `globalThis.Headers`
 * itself is left alone). Node's global `Headers` is a getter that loads its bundled undici whole, and
 * undici compiles its llhttp WebAssembly when it loads: 12 MiB of peak RSS for `node -e Headers`, about
 * 3.3 MiB of every `peer` command that makes an RPC call (docs/performance.md, "Client memory at 64 MiB").
 * It follows the Fetch standard's `Headers` with no guard (https://fetch.spec.whatwg.org/#headers-class):
 * names are RFC 9110 tokens, compared case-insensitively and kept lowercase; values lose leading and
 * trailing HTTP whitespace and may not hold NUL, CR or LF; both are byte strings; repeated names join
 * with ", ", except `set-cookie`, whose values stay apart (`getSetCookie()`); iteration is sorted by
 * name. test/cli/bundle-headers.test.ts checks it against Node's own class, case by case.
 */

/** RFC 9110 §5.6.2 token characters. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** HTTP whitespace at either end of a value (Fetch: "normalize"). */
const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;
/** What a normalized value may not hold. */
const FORBIDDEN_IN_VALUE = /[\0\r\n]/;
/** Characters outside a byte string (WebIDL ByteString). */
const NOT_BYTE = /[^\0-\xff]/;
const SET_COOKIE = "set-cookie";

/** What the constructor takes: pairs (another `Headers` included) or a record. */
type Init =
  | Iterable<readonly [string, string]>
  | Iterable<string[]>
  | Record<string, string | readonly string[]>
  | undefined
  | null;

function byteString(value: unknown, what: string): string {
  const text = String(value);
  if (NOT_BYTE.test(text)) throw new TypeError(`Headers: ${what} is not a byte string: ${JSON.stringify(text)}`);
  return text;
}

function checkedName(name: unknown): string {
  const text = byteString(name, "name");
  if (!TOKEN.test(text)) throw new TypeError(`Headers: invalid header name ${JSON.stringify(text)}`);
  return text.toLowerCase();
}

function checkedValue(value: unknown): string {
  const text = byteString(value, "value").replace(EDGE_WHITESPACE, "");
  if (FORBIDDEN_IN_VALUE.test(text)) throw new TypeError(`Headers: invalid header value ${JSON.stringify(text)}`);
  return text;
}

/** Fetch's `Headers` (no guard), without undici. */
export class Headers implements globalThis.Headers {
  /** Lowercase name → the values joined with ", " (set-cookie is kept in {@link cookies}). */
  readonly #fields = new Map<string, string>();
  readonly #cookies: string[] = [];

  constructor(init?: Init) {
    if (init === undefined || init === null) return;
    if (typeof init !== "object" && typeof init !== "function") {
      throw new TypeError("Headers: the initializer must be an object, an iterable of pairs or a record");
    }
    const iterator = (init as { [Symbol.iterator]?: unknown })[Symbol.iterator];
    if (iterator !== undefined) {
      if (typeof iterator !== "function") throw new TypeError("Headers: the initializer's iterator is not a function");
      for (const pair of init as Iterable<unknown>) {
        if (
          typeof pair !== "object" ||
          pair === null ||
          typeof (pair as Iterable<unknown>)[Symbol.iterator] !== "function"
        ) {
          throw new TypeError("Headers: each pair of the initializer must be an iterable");
        }
        const items = [...(pair as Iterable<unknown>)];
        if (items.length !== 2) throw new TypeError("Headers: each pair of the initializer must have two items");
        this.append(items[0] as string, items[1] as string);
      }
      return;
    }
    for (const key of Reflect.ownKeys(init)) {
      const descriptor = Reflect.getOwnPropertyDescriptor(init, key);
      if (descriptor === undefined || !descriptor.enumerable) continue;
      if (typeof key === "symbol") throw new TypeError("Headers: a record's key cannot be a symbol");
      this.append(key, (init as Record<string, string>)[key] as string);
    }
  }

  append(name: string, value: string): void {
    const key = checkedName(name);
    const text = checkedValue(value);
    if (key === SET_COOKIE) this.#cookies.push(text);
    const present = this.#fields.get(key);
    this.#fields.set(key, present === undefined ? text : `${present}, ${text}`);
  }

  set(name: string, value: string): void {
    const key = checkedName(name);
    const text = checkedValue(value);
    if (key === SET_COOKIE) this.#cookies.splice(0, this.#cookies.length, text);
    this.#fields.set(key, text);
  }

  delete(name: string): void {
    const key = checkedName(name);
    if (key === SET_COOKIE) this.#cookies.length = 0;
    this.#fields.delete(key);
  }

  get(name: string): string | null {
    return this.#fields.get(checkedName(name)) ?? null;
  }

  has(name: string): boolean {
    return this.#fields.has(checkedName(name));
  }

  getSetCookie(): string[] {
    return [...this.#cookies];
  }

  forEach(callback: (value: string, key: string, parent: globalThis.Headers) => void, thisArg?: unknown): void {
    if (typeof callback !== "function") throw new TypeError("Headers.forEach: the callback is not a function");
    for (const [key, value] of this.#sorted()) callback.call(thisArg, value, key, this);
  }

  *entries(): IterableIterator<[string, string]> {
    yield* this.#sorted();
  }

  *keys(): IterableIterator<string> {
    for (const [key] of this.#sorted()) yield key;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.#sorted()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return "Headers";
  }

  /** Fetch's "sort and combine": by name, set-cookie once per value. */
  #sorted(): [string, string][] {
    const names = [...this.#fields.keys()].sort();
    const out: [string, string][] = [];
    for (const name of names) {
      if (name === SET_COOKIE) for (const cookie of this.#cookies) out.push([name, cookie]);
      else out.push([name, this.#fields.get(name) as string]);
    }
    return out;
  }
}
