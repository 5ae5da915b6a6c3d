/** A file's details page (pure): sizes, dates, type, digests, download, share link, torrent. */
import type { FileEntry } from "../../catalog/catalog.js";
import { formatSize, formatWhen, kindOf } from "../format.js";
import { html, pathOf, type SafeHtml } from "../../../common/html.js";
import { layout } from "../layout.js";
import { downloadHref, torrentHref } from "../web-paths.js";
import { breadcrumbs } from "./browse.js";

/** Choices of the link form's expiry, as `peer links create --expires` takes them. */
export const LINK_EXPIRY_CHOICES = ["1d", "7d", "30d"] as const;

/** What {@link itemPage} shows. */
export interface ItemInput {
  readonly entry: FileEntry;
  readonly csrf: string;
  /** BEP 52 pieces root (hex), when the server has hashed this version. */
  readonly piecesRoot?: string | undefined;
  /** Piece length of the cached piece layer, when known. */
  readonly pieceLength?: number | undefined;
  /** Whether `.torrent` files can be made here. */
  readonly torrents?: boolean | undefined;
}

/** The whole page. */
export function itemPage(input: ItemInput): SafeHtml {
  const { entry } = input;
  const folderId = entry.id.split("/").slice(0, -1).join("/");
  const pending = html`<span class="note">being computed; reload in a moment</span>`;
  const options = LINK_EXPIRY_CHOICES.map(
    (c) => html`<option value="${c}"${c === "7d" ? html` selected` : ""}>${c}</option>`,
  );
  const torrent = input.torrents ? html`<a href="${torrentHref(entry.id)}">.torrent (BitTorrent v1+v2)</a>` : "";
  return layout({
    title: entry.name,
    csrf: input.csrf,
    body: html`<h1><bdi>${entry.name}</bdi></h1>
${breadcrumbs(folderId)}
<div class="actions">
<a class="file" href="${downloadHref(entry.id)}" download="${entry.name}">Download</a>
<form method="post" action="/web/links">
<input type="hidden" name="csrf" value="${input.csrf}">
<input type="hidden" name="item" value="${pathOf(entry.id.split("/"))}">
<label>expires in <select name="expires">${options}</select></label>
<button type="submit">Copy share link</button>
</form>
${torrent}
</div>
<dl>
<dt>Item id</dt><dd><code>${entry.id}</code></dd>
<dt>Size</dt><dd>${formatSize(entry.size)} (${entry.size.toLocaleString("en")} bytes)</dd>
<dt>Modified</dt><dd>${formatWhen(entry.modified.getTime())}</dd>
<dt>Type</dt><dd>${kindOf(entry.contentType)} <span class="note">(${entry.contentType})</span></dd>
<dt>ETag</dt><dd><code>${entry.etag}</code></dd>
<dt>SHA-256</dt><dd>${entry.sha256 === undefined ? pending : html`<code>${entry.sha256}</code>`}</dd>
${input.torrents ? piecesRow(input, pending) : ""}
</dl>`,
  });
}

/** The BEP 52 pieces root line (shown where torrents can be made). */
function piecesRow(input: ItemInput, pending: SafeHtml): SafeHtml {
  const root =
    input.piecesRoot === undefined
      ? input.entry.size === 0
        ? html`<span class="note">none (empty file)</span>`
        : pending
      : html`<code>${input.piecesRoot}</code>`;
  const length =
    input.pieceLength === undefined
      ? ""
      : html` <span class="note">(pieces of ${formatSize(input.pieceLength)})</span>`;
  return html`<dt>Pieces root</dt><dd>${root}${length}</dd>`;
}

/** The page shown after a link was created: the URL, ready to copy. */
export function linkCreatedPage(input: {
  url: string;
  itemId: string;
  name: string;
  expiresAt: number | null;
  csrf: string;
}): SafeHtml {
  return layout({
    title: `Link to ${input.name}`,
    csrf: input.csrf,
    body: html`<h1>Share link to <bdi>${input.name}</bdi></h1>
${breadcrumbs(input.itemId.split("/").slice(0, -1).join("/"))}
<p>Anyone with this link can download the file${input.expiresAt === null ? "" : html` until ${formatWhen(input.expiresAt)}`}. Copy it now: it is not shown again.</p>
<p><input id="link" type="text" readonly value="${input.url}" aria-label="share link"></p>
<p class="note">Revoke it with <code>peer links revoke</code> (see <code>peer links list</code>). Resumable with <code>curl -C -</code> and <code>wget -c</code>.</p>`,
  });
}
