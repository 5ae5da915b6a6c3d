/** Test helper: parses a multipart/byteranges body back into parts, strictly. */
import assert from "node:assert/strict";

/** One parsed part. */
export interface ParsedPart {
  readonly contentType: string;
  readonly first: number;
  readonly last: number;
  readonly size: number;
  readonly body: Buffer;
}

/** The boundary of a `multipart/byteranges; boundary=…` Content-Type. */
export function boundaryOf(contentType: string): string {
  const m = /^multipart\/byteranges; boundary=([A-Za-z0-9'()+_,\-./:=?]+)$/.exec(contentType);
  assert.ok(m, `not a multipart/byteranges type: ${contentType}`);
  return m[1]!;
}

/** Parses `body`, asserting the framing is exactly what RFC 9110 §14.6 / RFC 2046 describe. */
export function parseMultipart(body: Buffer, contentType: string): ParsedPart[] {
  const boundary = boundaryOf(contentType);
  const parts: ParsedPart[] = [];
  let pos = 0;
  const expect = (text: string): void => {
    const got = body.subarray(pos, pos + text.length).toString("latin1");
    assert.equal(got, text, `multipart framing at byte ${pos}`);
    pos += text.length;
  };
  for (let i = 0; ; i++) {
    expect(i === 0 ? `--${boundary}` : `\r\n--${boundary}`);
    if (body.subarray(pos, pos + 2).toString("latin1") === "--") {
      expect("--\r\n");
      assert.equal(pos, body.length, "nothing after the closing delimiter");
      return parts;
    }
    expect("\r\n");
    const headEnd = body.indexOf("\r\n\r\n", pos, "latin1");
    assert.ok(headEnd > 0, "part header block ends");
    const lines = body.subarray(pos, headEnd).toString("latin1").split("\r\n");
    pos = headEnd + 4;
    const fields = new Map(
      lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
    );
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(fields.get("content-range") ?? "");
    assert.ok(range, `part Content-Range: ${fields.get("content-range")}`);
    const first = Number(range[1]);
    const last = Number(range[2]);
    const partBody = body.subarray(pos, pos + last - first + 1);
    pos += last - first + 1;
    parts.push({
      contentType: fields.get("content-type") ?? "",
      first,
      last,
      size: Number(range[3]),
      body: Buffer.from(partBody),
    });
  }
}
