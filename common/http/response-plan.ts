/**
 * The whole decision for a GET or HEAD of one file, as data: status, header
 * fields and what the body is made of. Pure; serve-file.ts only executes it.
 * Order (RFC 9110 §13.2.2, then §14.2): preconditions → If-Range → Range.
 */
import { contentDisposition, dispositionTypeFor } from "./content-disposition.js";
import { formatHttpDate } from "./http-date.js";
import { contentRange, layoutMultipart, type BodyPart } from "./multipart.js";
import { evaluatePreconditions, headerValue, type RequestHeaders } from "./preconditions.js";
import { DEFAULT_RANGE_LIMITS, parseRange, type RangeLimits } from "./range.js";

/** What the plan needs to know about the file (from the catalog entry). */
export interface FileFacts {
  /** Size in bytes. */
  readonly size: number;
  /** Strong ETag, quoted. */
  readonly etag: string;
  /** Modification time, ms since the epoch. */
  readonly modified: number;
  /** Media type of the file. */
  readonly contentType: string;
  /** Basename, for Content-Disposition. */
  readonly name: string;
  /** Lower-case hex SHA-256 of the whole file, when known. */
  readonly sha256?: string | undefined;
  /** Lower-case hex BEP 52 pieces root, when known (never for an empty file). */
  readonly piecesRoot?: string | undefined;
  /** Piece length the server uses for GetPieceHashes, with `piecesRoot`. */
  readonly pieceLength?: number | undefined;
}

/** The body of a planned response. */
export type PlannedBody =
  /** No body (304, or any HEAD). */
  | { readonly kind: "empty" }
  /** A short fixed text (412, 416). */
  | { readonly kind: "text"; readonly text: string }
  /** File bytes: each part's head, then its range; then `tail`. One part without head for 200/single 206. */
  | { readonly kind: "file"; readonly parts: readonly BodyPart[]; readonly tail: string };

/** A complete decision. */
export interface ResponsePlan {
  /** The status code. */
  readonly status: 200 | 206 | 304 | 412 | 416;
  /** Header fields to send, with exact Content-Length (none on 304). */
  readonly headers: Readonly<Record<string, string>>;
  /** The GET body; HEAD gets the same status and headers and sends nothing. */
  readonly body: PlannedBody;
}

/** Input of {@link planResponse}. */
export interface PlanInput {
  /** "GET" or "HEAD". */
  readonly method: string;
  /** Request header fields (lower-case names). */
  readonly headers: RequestHeaders;
  /** The file. */
  readonly file: FileFacts;
  /** Multipart boundary to use if several ranges are served (injected so tests are deterministic). */
  readonly boundary: string;
  /** Clock for obsolete two-digit-year dates. @default Date.now() */
  readonly now?: number;
  /** Range abuse limits. @default DEFAULT_RANGE_LIMITS */
  readonly limits?: RangeLimits;
  /** Most bytes a multipart body may exceed the file by before the Range is ignored. @default MULTIPART_SLACK */
  readonly multipartSlack?: number;
}

/** A multipart body larger than the file plus this is refused (served 200 whole instead). */
export const MULTIPART_SLACK = 8 * 1024;

const hexToBase64 = (hex: string): string => Buffer.from(hex, "hex").toString("base64");

/** Validator and caching fields shared by 200, 206 and 304 (RFC 9110 §15.4.5: a 304 repeats them). */
function validatorFields(file: FileFacts): Record<string, string> {
  return {
    ETag: file.etag,
    "Last-Modified": formatHttpDate(file.modified),
    "Cache-Control": "private",
  };
}

/** Header field carrying the BEP 52 pieces root (64 lower-case hex), as `Item.pieces_root`. */
export const PIECES_ROOT_HEADER = "X-Pieces-Root";
/** Header field carrying the server's piece length in bytes, as `Item.piece_length`. */
export const PIECE_LENGTH_HEADER = "X-Piece-Length";

/**
 * The pieces fields of a 200/206 (docs/pieces.md). Custom fields, not
 * Repr-Digest: RFC 9530 algorithms come from an IANA registry (sha-256,
 * sha-512, ...) and each one digests the bytes; a merkle root over 16 KiB
 * leaves is neither, so a `Repr-Digest` token for it would be unregistered
 * and misread by digest-checking clients. Hex like X-Content-SHA256 and
 * Item.pieces_root, so the value is the same string on every surface. Both
 * fields or neither: only a well-formed root with a valid piece length.
 */
export function piecesFields(file: Pick<FileFacts, "piecesRoot" | "pieceLength">): Record<string, string> {
  const { piecesRoot, pieceLength } = file;
  if (piecesRoot === undefined || !/^[0-9a-f]{64}$/.test(piecesRoot)) return {};
  if (pieceLength === undefined || !Number.isSafeInteger(pieceLength) || pieceLength < 16384) return {};
  if ((pieceLength & (pieceLength - 1)) !== 0) return {};
  return { [PIECES_ROOT_HEADER]: piecesRoot, [PIECE_LENGTH_HEADER]: String(pieceLength) };
}

/** Fields of a response that carries (some of) the representation. */
function representationFields(file: FileFacts): Record<string, string> {
  const fields: Record<string, string> = {
    ...validatorFields(file),
    "Accept-Ranges": "bytes",
    "Content-Disposition": contentDisposition(file.name, dispositionTypeFor(file.contentType)),
    "X-Content-Type-Options": "nosniff",
  };
  if (file.sha256 !== undefined && /^[0-9a-f]{64}$/.test(file.sha256)) {
    // Digest of the whole representation (RFC 9530 Repr-Digest), also right on a 206.
    fields["Repr-Digest"] = `sha-256=:${hexToBase64(file.sha256)}:`;
    fields["X-Content-SHA256"] = file.sha256;
  }
  return { ...fields, ...piecesFields(file) };
}

function text(status: 412 | 416, body: string, extra: Record<string, string>): ResponsePlan {
  return {
    status,
    headers: {
      ...extra,
      "Content-Type": "text/plain; charset=utf-8",
      "Content-Length": String(Buffer.byteLength(body)),
      "Cache-Control": "private",
    },
    body: { kind: "text", text: body },
  };
}

function whole(file: FileFacts): ResponsePlan {
  return {
    status: 200,
    headers: { ...representationFields(file), "Content-Type": file.contentType, "Content-Length": String(file.size) },
    body: { kind: "file", parts: file.size === 0 ? [] : [{ head: "", first: 0, last: file.size - 1 }], tail: "" },
  };
}

/** Decides status, header fields and body for a GET or HEAD of `file`. */
export function planResponse(input: PlanInput): ResponsePlan {
  const { file } = input;
  const now = input.now ?? Date.now();
  const pre = evaluatePreconditions(input.method, input.headers, { etag: file.etag, lastModified: file.modified }, now);
  if (pre.kind === "precondition-failed") return text(412, "precondition failed\n", {});
  if (pre.kind === "not-modified") return { status: 304, headers: validatorFields(file), body: { kind: "empty" } };
  if (!pre.useRange) return whole(file);

  const range = parseRange(headerValue(input.headers, "range"), file.size, input.limits ?? DEFAULT_RANGE_LIMITS);
  if (range.kind === "none") return whole(file);
  if (range.kind === "unsatisfiable") {
    return text(416, "range not satisfiable\n", { "Content-Range": `bytes */${file.size}`, "Accept-Ranges": "bytes" });
  }
  const [only] = range.ranges;
  if (range.ranges.length === 1 && only !== undefined) {
    return {
      status: 206,
      headers: {
        ...representationFields(file),
        "Content-Type": file.contentType,
        "Content-Range": contentRange(only, file.size),
        "Content-Length": String(only.last - only.first + 1),
      },
      body: { kind: "file", parts: [{ head: "", first: only.first, last: only.last }], tail: "" },
    };
  }
  const layout = layoutMultipart(range.ranges, file.size, file.contentType, input.boundary);
  // Abuse limit: a multipart body much larger than the file is not worth sending (RFC 9110 §17.15).
  if (layout.length > file.size + (input.multipartSlack ?? MULTIPART_SLACK)) return whole(file);
  return {
    status: 206,
    headers: {
      ...representationFields(file),
      "Content-Type": layout.contentType,
      "Content-Length": String(layout.length),
    },
    body: { kind: "file", parts: layout.parts, tail: layout.tail },
  };
}
