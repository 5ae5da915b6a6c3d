// The text `peer serve --first-run` prints: ready-to-paste commands for every
// way of talking to the peer. Pure, so the exact lines are tested.

/** What the first-run lines need. */
export interface FirstRunTextInput {
  /** The peer's base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** The key to paste, or undefined to refer to `$PEER_KEY` instead. */
  readonly key: string | undefined;
  /** An item id to use in the examples, e.g. `share/hello.txt`. */
  readonly itemId: string;
  /** CA/certificate file for `https` peers (self-signed certificates), if any. */
  readonly caFile?: string | undefined;
}

/** Quotes a word for POSIX shells (single quotes; `'` becomes `'\''`). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `/v1/files/<item id>` with each path segment percent-encoded (docs/protocol.md, HTTP mapping). */
export function fileRoutePath(itemId: string): string {
  return `/v1/files/${itemId.split("/").map(encodeURIComponent).join("/")}`;
}

/** The Connect GET URL of `StatItem` for an item (docs/protocol.md: NO_SIDE_EFFECTS unary calls). */
export function statItemGetUrl(url: string, itemId: string): string {
  const message = encodeURIComponent(JSON.stringify({ itemId }));
  return `${url}/peer.v1.PeerService/StatItem?encoding=json&message=${message}`;
}

/** The example commands, one per line, each preceded by a `#` comment line. */
export function firstRunCommands(input: FirstRunTextInput): string[] {
  const { url, itemId } = input;
  // With a literal key every line pastes as is; otherwise they read $PEER_KEY.
  const bearer =
    input.key === undefined ? `"Authorization: Bearer $PEER_KEY"` : shellQuote(`Authorization: Bearer ${input.key}`);
  const keyArg = input.key === undefined ? `"$PEER_KEY"` : shellQuote(input.key);
  const tls = url.startsWith("https:");
  const ca = input.caFile === undefined ? "" : ` --cacert ${shellQuote(input.caFile)}`;
  const data = shellQuote(JSON.stringify({ itemId }));
  const rpc = `${url}/peer.v1.PeerService/StatItem`;
  const grpc = tls ? "--protocol grpc" : "--protocol grpc --http2-prior-knowledge";
  return [
    "# list the items",
    `npx peer ls ${url} --key ${keyArg}`,
    "# read a file over plain HTTP (byte ranges work too: add -r 0-4)",
    `curl${ca} -H ${bearer} ${shellQuote(url + fileRoutePath(itemId))}`,
    "# StatItem as a plain Connect GET",
    `curl${ca} -H ${bearer} ${shellQuote(statItemGetUrl(url, itemId))}`,
    "# StatItem with buf curl over Connect, and over gRPC (schema from ./proto, no reflection needed)",
    `npx buf curl --schema proto --protocol connect${ca} -H ${bearer} -d ${data} ${rpc}`,
    `npx buf curl --schema proto ${grpc}${ca} -H ${bearer} -d ${data} ${rpc}`,
    "# download it into ./downloads (resumable, verified)",
    `npx peer get ${url} ${shellQuote(itemId)} --key ${keyArg} --out downloads`,
  ];
}

/** The whole first-run block printed after the server is up. */
export function firstRunText(input: FirstRunTextInput & { keyName?: string; keyId?: string }): string {
  const lines: string[] = [""];
  if (input.key !== undefined) {
    lines.push(
      `First run: created the API key "${input.keyName ?? "first-run"}"${input.keyId ? ` (id ${input.keyId})` : ""}.`,
      "It is shown only this once; store it (e.g. export PEER_KEY=<key>):",
      "",
      `  ${input.key}`,
      "",
    );
  } else {
    lines.push(
      "This peer already has API keys (a first-run key is shown only on the first start).",
      "Set PEER_KEY to one of them, or create one: npx peer keys create --name NAME",
      "",
    );
  }
  lines.push("Try it from another terminal in this directory:", "");
  for (const line of firstRunCommands(input)) lines.push(`  ${line}`);
  lines.push("", "Stop with Ctrl-C. Manage keys with: npx peer keys --help", "");
  return lines.join("\n");
}
