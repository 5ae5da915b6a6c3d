/** What a transfer reads from: the RPC stream or the HTTP route, behind one shape. */

/** Metadata a read reports before its bytes. */
export interface ReadMeta {
  /** Total size of the item. */
  readonly size: number;
  /** The item's etag. */
  readonly etag: string;
  /** Hex SHA-256 when the peer knows it. */
  readonly sha256: string | undefined;
  /** BEP 52 pieces root (64 lower-case hex) when the peer knows it (docs/pieces.md). */
  readonly piecesRoot?: string | undefined;
  /** The peer's piece length for GetPieceHashes, when it knows the root. */
  readonly pieceLength?: number | undefined;
}

/** One chunk, with its absolute offset. */
export interface Chunk {
  readonly offset: number;
  readonly data: Uint8Array;
}

/** An opened read: validated framing, not yet checked against the job. */
export interface OpenedRead {
  /** What the peer says about the item now. */
  readonly meta: ReadMeta;
  /** Absolute offset of the first body byte (0 when an HTTP peer ignored the range). */
  readonly start: number;
  /** The bytes. */
  readonly body: AsyncIterator<Chunk>;
  /** True when an HTTP server answered with the whole file (200) rather than the range asked. */
  readonly full?: boolean;
  /** True when the whole item is already present (HTTP 416 at the end of a complete part). */
  readonly atEnd?: boolean;
}

/** A read request. */
export interface ReadRequest {
  readonly itemId: string;
  readonly offset: number;
  /** Bytes wanted from `offset`; undefined = to the end of the file (a run of missing pieces asks for just that). */
  readonly length?: number | undefined;
  /** The etag the part file's bytes came from, when known. */
  readonly ifMatch: string | undefined;
  /** The size the job expects, for HTTP Content-Range checks. */
  readonly expectedSize: number | undefined;
  /** Preferred RPC message size (smaller after failures without progress). */
  readonly chunkSize?: number | undefined;
  /**
   * True when the caller copies each chunk's bytes before asking for the next one (the piece
   * assembler): a source may then hand out views of one reused read buffer. @default false
   */
  readonly transient?: boolean | undefined;
  /** Aborts the read; the transfer aborts it when the attempt ends. */
  readonly signal: AbortSignal;
}

/** Opens a read. */
export type OpenRead = (request: ReadRequest) => Promise<OpenedRead>;
