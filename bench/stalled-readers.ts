/**
 * Clients that send a request and then stop reading: raw TCP sockets that peek
 * at the status line and never consume the body. Node's socket stops pulling
 * from the kernel once its 16 KiB read buffer is full, so the server sees a
 * client whose window closes and must not keep reading ahead for it.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import net from "node:net";
import { ReadFileRequestSchema } from "../gen/peer/v1/peer_pb.js";

/** Open stalled readers. */
export interface StalledReaders {
  /** How many got a response head, by HTTP status code ("none" = no response yet). */
  statuses(): Record<string, number>;
  /** Resolves once every socket got a response head, or after `timeoutMs`. */
  allResponded(timeoutMs: number): Promise<boolean>;
  /** Closes every socket. */
  close(): void;
}

/** A raw HTTP/1.1 GET request. */
export function httpGetRequest(path: string, headers: Record<string, string> = {}): Buffer {
  const lines = [
    `GET ${path} HTTP/1.1`,
    "Host: 127.0.0.1",
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    "",
    "",
  ];
  return Buffer.from(lines.join("\r\n"), "latin1");
}

/** A raw Connect (HTTP/1.1, binary) ReadFile request: one enveloped message. */
export function connectReadFileRequest(
  itemId: string,
  chunkSize: number,
  headers: Record<string, string> = {},
): Buffer {
  const msg = toBinary(ReadFileRequestSchema, create(ReadFileRequestSchema, { itemId, chunkSize }));
  const body = Buffer.alloc(5 + msg.length);
  body.writeUInt8(0, 0);
  body.writeUInt32BE(msg.length, 1);
  body.set(msg, 5);
  const head = [
    "POST /peer.v1.PeerService/ReadFile HTTP/1.1",
    "Host: 127.0.0.1",
    "Content-Type: application/connect+proto",
    "Connect-Protocol-Version: 1",
    `Content-Length: ${body.length}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    "",
    "",
  ].join("\r\n");
  return Buffer.concat([Buffer.from(head, "latin1"), body]);
}

/** Parses "HTTP/1.1 200 OK" at the start of `head`; undefined when it is not a status line. */
export function parseStatusLine(head: string): number | undefined {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  return m ? Number(m[1]) : undefined;
}

/** Opens `count` sockets to `port`, sends `request` on each, peeks at the status, then stops reading. */
export async function openStalledReaders(port: number, count: number, request: Buffer): Promise<StalledReaders> {
  const sockets: net.Socket[] = [];
  const statuses: Record<string, number> = {};
  let responded = 0;
  let onResponse: (() => void) | undefined;
  await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve, reject) => {
          const s = net.connect({ port, host: "127.0.0.1" });
          sockets.push(s);
          s.once("error", reject);
          s.once("connect", () => {
            s.off("error", reject);
            s.on("error", () => {});
            s.write(request);
            s.once("readable", () => {
              const chunk = s.read(64) as Buffer | null;
              const status = chunk ? parseStatusLine(chunk.toString("latin1")) : undefined;
              const k = status === undefined ? "unknown" : String(status);
              statuses[k] = (statuses[k] ?? 0) + 1;
              responded++;
              onResponse?.();
              s.pause();
            });
            resolve();
          });
        }),
    ),
  );
  return {
    statuses: () => (responded < count ? { ...statuses, none: count - responded } : { ...statuses }),
    allResponded: (timeoutMs) =>
      new Promise<boolean>((resolve) => {
        if (responded >= count) {
          resolve(true);
          return;
        }
        const timer = setTimeout(() => {
          onResponse = undefined;
          resolve(false);
        }, timeoutMs);
        onResponse = () => {
          if (responded >= count) {
            clearTimeout(timer);
            onResponse = undefined;
            resolve(true);
          }
        };
      }),
    close: () => {
      for (const s of sockets) s.destroy();
    },
  };
}
