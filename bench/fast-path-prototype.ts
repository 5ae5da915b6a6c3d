/**
 * Prototype (issue 6 stretch): a ReadFile fast path that frames Connect and
 * gRPC responses straight from file reads — no protobuf object per chunk, no
 * copy of the data in JavaScript. For each chunk it allocates (or reuses) one
 * buffer, writes the 5-byte envelope and the protobuf field header into its
 * start (server/rpc/fast-read-file/frame.ts), reads the file directly behind it, and hands that
 * one buffer to the socket. The first message appends the item metadata
 * (field 3) after the data in that same buffer; only the empty read
 * (offset == size) and errors are encoded the ordinary way.
 *
 * It sits in front of `connectNodeAdapter` as a plain request listener and
 * returns `false` for anything that is not a binary, uncompressed ReadFile call
 * (Connect, gRPC or gRPC-Web), so the adapter still serves everything else
 * (JSON, compression, the other methods).
 * A prototype for measurement: it does no authentication and no change
 * detection; the real server would run its auth, limiter, catalog and
 * version check before handing the open file to this loop.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { open, type FileHandle } from "node:fs/promises";
import type { IncomingHttpHeaders } from "node:http";
import { ItemSchema, ReadFileRequestSchema, ReadFileResponseSchema, type Item, type ReadFileRequest } from "../gen/peer/v1/peer_pb.js";
import { END_STREAM_FLAG, envelope, itemField, MAX_CHUNK_HEADER, parseSingleEnvelope, writeChunkHeader } from "../server/rpc/fast-read-file/frame.js";

/** A file the fast path may serve. */
export interface FastPathFile {
  readonly path: string;
  readonly size: number;
  /** Sent in the first message. */
  readonly item: Item;
}

/** Options of {@link createFastReadFile}. */
export interface FastReadFileOptions {
  /** Resolves an item id; `undefined` answers NOT_FOUND. */
  resolve(itemId: string): Promise<FastPathFile | undefined>;
  /** Clamps the requested chunk size (protocol.md: [16 KiB, 2 MiB], default 1 MiB). */
  clampChunkSize(requested: number): number;
  /** Free buffers kept for reuse. @default 16 */
  readonly poolSize?: number;
}

/** The part of Node's HTTP/1.1 and HTTP/2-compat request the fast path reads. */
export interface FastRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: IncomingHttpHeaders;
  on(event: "data", listener: (chunk: Buffer) => void): unknown;
  on(event: "end" | "close", listener: () => void): unknown;
  on(event: "error", listener: (err: Error) => void): unknown;
}

/** The part of Node's HTTP/1.1 and HTTP/2-compat response the fast path writes. */
export interface FastResponse {
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(chunk: Uint8Array, cb?: (err?: Error | null) => void): boolean;
  end(cb?: () => void): unknown;
  addTrailers(headers: Record<string, string>): void;
  once(event: "drain" | "close" | "error", listener: () => void): unknown;
  removeListener(event: "drain" | "close" | "error", listener: () => void): unknown;
  readonly destroyed?: boolean | undefined;
}

const PATH = "/peer.v1.PeerService/ReadFile";
type Protocol = "connect" | "grpc" | "grpc-web";

/** gRPC-Web trailer envelope flag. */
const GRPC_WEB_TRAILER_FLAG = 0b1000_0000;

function protocolOf(headers: IncomingHttpHeaders): Protocol | undefined {
  const ct = (headers["content-type"] ?? "").toLowerCase();
  if (ct === "application/connect+proto") {
    // Compressed requests and responses go to the stock adapter.
    const enc = headers["connect-content-encoding"];
    return enc === undefined || enc === "identity" ? "connect" : undefined;
  }
  if (ct === "application/grpc" || ct === "application/grpc+proto") {
    const enc = headers["grpc-encoding"];
    return enc === undefined || enc === "identity" ? "grpc" : undefined;
  }
  if (ct === "application/grpc-web" || ct === "application/grpc-web+proto") {
    const enc = headers["grpc-encoding"];
    return enc === undefined || enc === "identity" ? "grpc-web" : undefined;
  }
  return undefined;
}

/** Connect error codes used here, with their gRPC numbers. */
const CODES = { not_found: 5, out_of_range: 11, invalid_argument: 3, internal: 13 } as const;
type CodeName = keyof typeof CODES;

/**
 * Creates the listener. Call it first in the request handler; when it returns
 * `false`, pass the request on to `connectNodeAdapter`.
 */
export function createFastReadFile(options: FastReadFileOptions): (req: FastRequest, res: FastResponse) => boolean {
  const free: Buffer[] = [];
  const poolSize = options.poolSize ?? 16;
  const take = (size: number): Buffer => {
    const i = free.findIndex((b) => b.length >= size);
    if (i >= 0) return (free.splice(i, 1)[0] as Buffer).subarray(0, size);
    return Buffer.allocUnsafeSlow(size);
  };
  const give = (buf: Buffer): void => {
    // Return the whole allocation (subarray shares it) once the socket no longer needs it.
    if (free.length < poolSize) free.push(Buffer.from(buf.buffer, buf.byteOffset, buf.buffer.byteLength - buf.byteOffset));
  };

  return (req, res) => {
    if (req.method !== "POST" || (req.url ?? "").split("?")[0] !== PATH) return false;
    const protocol = protocolOf(req.headers);
    if (protocol === undefined) return false;
    const parts: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > 65536) tooBig = true;
      else parts.push(c);
    });
    req.on("error", () => {});
    req.on("end", () => {
      void serve(protocol, tooBig ? undefined : Buffer.concat(parts), res).catch(() => {
        // The socket failed mid-stream; nothing more can be sent.
      });
    });
    return true;
  };

  async function serve(protocol: Protocol, body: Buffer | undefined, res: FastResponse): Promise<void> {
    const headers: Record<string, string> = { "content-type": `application/${protocol === "connect" ? "connect" : protocol}+proto` };
    const fail = (code: CodeName, message: string): void => {
      if (protocol === "connect") {
        res.writeHead(200, headers);
        res.write(envelope(END_STREAM_FLAG, Buffer.from(JSON.stringify({ error: { code, message } }))));
        res.end();
      } else {
        // Trailers-only response (gRPC and gRPC-Web alike).
        res.writeHead(200, { ...headers, "grpc-status": String(CODES[code]), "grpc-message": encodeURIComponent(message) });
        res.end();
      }
    };
    const payload = body ? parseSingleEnvelope(body) : undefined;
    if (!payload) return fail("invalid_argument", "the request must be one uncompressed message");
    let request: ReadFileRequest;
    try {
      request = fromBinary(ReadFileRequestSchema, payload);
    } catch {
      return fail("invalid_argument", "the request message cannot be decoded");
    }
    const file = await options.resolve(request.itemId);
    if (!file) return fail("not_found", "no such item");
    const offset = Number(request.offset);
    if (request.length < 0n) return fail("invalid_argument", "length must not be negative");
    if (offset < 0 || offset > file.size) return fail("out_of_range", `offset ${offset} is outside the file (size ${file.size})`);
    const end = request.length > 0n ? Math.min(file.size, offset + Number(request.length)) : file.size;
    const chunkSize = options.clampChunkSize(request.chunkSize);

    let closed = false;
    const onClose = (): void => {
      closed = true;
    };
    res.once("close", onClose);
    let fh: FileHandle | undefined;
    try {
      fh = await open(file.path, "r");
      res.writeHead(200, headers);
      let pos = offset;
      if (pos === end) {
        // offset == size: one message with the item and no data.
        res.write(envelope(0, toBinary(ReadFileResponseSchema, create(ReadFileResponseSchema, { offset: BigInt(pos), item: file.item }))));
      } else {
        // First message: header, data read in place, then the item field (protobuf-es writes field 3 last).
        const tail = itemField(toBinary(ItemSchema, file.item));
        const want = Math.min(chunkSize, end - pos);
        const buf = Buffer.allocUnsafe(MAX_CHUNK_HEADER + want + tail.length);
        const hdr = writeChunkHeader(buf, pos, want, tail.length);
        await readFully(fh, buf, hdr, want, pos);
        tail.copy(buf, hdr + want);
        res.write(buf.subarray(0, hdr + want + tail.length));
        pos += want;
      }
      while (pos < end && !closed) {
        const want = Math.min(chunkSize, end - pos);
        const buf = take(MAX_CHUNK_HEADER + want);
        const hdr = writeChunkHeader(buf, pos, want);
        await readFully(fh, buf, hdr, want, pos);
        const frame = buf.subarray(0, hdr + want);
        pos += want;
        // Backpressure: the next chunk is read only after this one was accepted (one pending chunk per stalled client).
        const ok = res.write(frame, (err) => {
          if (!err) give(buf);
        });
        if (!ok && !closed) await drainOrClose(res);
      }
      if (closed) return;
      if (protocol === "connect") {
        res.write(envelope(END_STREAM_FLAG, Buffer.from("{}")));
      } else if (protocol === "grpc-web") {
        res.write(envelope(GRPC_WEB_TRAILER_FLAG, Buffer.from("grpc-status: 0\r\n")));
      } else {
        res.addTrailers({ "grpc-status": "0" });
      }
      res.end();
    } finally {
      res.removeListener("close", onClose);
      await fh?.close();
    }
  }
}

async function readFully(fh: FileHandle, buf: Buffer, at: number, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, at + done, length - done, position + done);
    if (bytesRead === 0) throw new Error("the file was truncated while being read");
    done += bytesRead;
  }
}

function drainOrClose(res: FastResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.removeListener("drain", done);
      res.removeListener("close", done);
      resolve();
    };
    res.once("drain", done);
    res.once("close", done);
  });
}
