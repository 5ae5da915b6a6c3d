/**
 * The downloads view's play page (pure template): a `<video>` or `<audio>` element over the
 * download's content route (`/v1/downloads/<id>/content`, served while it downloads: only
 * verified pieces, the ones the player reads fetched first; docs/downloads.md "Reading a
 * download while it runs"). Its own page, so the list's refresh never replaces a playing
 * element; no script: the page's CSP adds only `media-src 'self'` (docs/web.md).
 */
import { formatSize, html, layout, type SafeHtml } from "../../server/index.js";
import type { DownloadRow } from "./download-row.js";

/** Where the play page lives (`?id=<download id>`), below the view's prefix (same scope and session). */
export const PLAY_PATH = "/web/downloads/play";

/** States in which the content can be read: verified pieces while it runs, the whole file once done. */
const PLAYABLE: ReadonlySet<string> = new Set(["downloading", "verifying", "completed"]);

/** Whether the download's content can be read now. */
export function playable(row: Pick<DownloadRow, "state">): boolean {
  return PLAYABLE.has(row.state);
}

/** The content route of a download (docs/service.md "Playing a download"). */
export function contentPath(id: string): string {
  return `/v1/downloads/${encodeURIComponent(id)}/content`;
}

/** The play page of a download. */
export function playHref(id: string): string {
  return `${PLAY_PATH}?id=${encodeURIComponent(id)}`;
}

/** The play page of `row`. */
export function playPage(row: DownloadRow, csrf: string): SafeHtml {
  const src = contentPath(row.id);
  const bytes = row.size === undefined ? formatSize(row.done) : `${formatSize(row.done)} of ${formatSize(row.size)}`;
  const open = html`<a class="open" href="${src}">Open the file</a>`;
  let player: SafeHtml;
  if (!playable(row))
    player = html`<p class="note">This download is ${row.state}: it plays while it downloads and once it is complete.</p>`;
  else if (row.player === undefined)
    player = html`<p class="note">A browser does not play this type of file; ${open}, or give its address to mpv or VLC.</p>`;
  else {
    // No `crossorigin`: the element's requests are same-origin and carry the session cookie.
    const element =
      row.player === "video"
        ? html`<video class="player" id="player" controls autoplay preload="auto" src="${src}"></video>`
        : html`<audio class="player" id="player" controls autoplay preload="auto" src="${src}"></audio>`;
    const note =
      row.state === "completed"
        ? ""
        : html`<p class="note">Still downloading: what the player reads is fetched first, and only verified pieces are played.</p>`;
    player = html`${element}
${note}`;
  }
  return layout({
    title: row.name,
    csrf,
    body: html`<h1><bdi>${row.name}</bdi></h1>
<nav class="crumbs"><a href="/">Shares</a> / <a href="/web/downloads">Downloads</a> / <span>Play</span></nav>
${player}
<p class="play-facts"><span class="state" data-state="${row.state}">${row.state}</span> · ${bytes} · ${open}</p>`,
  });
}
