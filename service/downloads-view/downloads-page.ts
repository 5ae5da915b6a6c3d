/**
 * The downloads view's templates (pure): the page (add forms, the list) and
 * the list alone (the fragment its script fetches). Every value goes through
 * server/'s one escaping function (the `html` tag), bidi controls included.
 */
import { formatSize, html, layout, type SafeHtml } from "../../server/index.js";
import { type DownloadRow, formatDuration, type RowAction } from "./download-row.js";
import { contentPath, playable, playHref } from "./play-page.js";

/** Where the view lives (server/auth/scope.ts gives these paths the `downloads` scope). */
export const VIEW_PATH = "/web/downloads";
/** The list alone (its script replaces the list with it). */
export const LIST_PATH = `${VIEW_PATH}/list`;
/** The view's script. */
export const SCRIPT_PATH = `${VIEW_PATH}/refresh.js`;

/** The rows shown (the newest first) and how many downloads there are in all. */
export interface ListInput {
  readonly rows: readonly DownloadRow[];
  readonly total: number;
}

/** What the page shows. */
export interface DownloadsPageInput {
  readonly list: ListInput;
  readonly csrf: string;
  /** Names of the remotes (`peer remote add`) the add form offers. */
  readonly remotes: readonly string[];
  /** An error of the last post, shown above the forms. */
  readonly error?: string | undefined;
}

const LABELS: Readonly<Record<RowAction, string>> = {
  pause: "Pause",
  resume: "Resume",
  cancel: "Cancel",
  retry: "Retry",
  remove: "Remove",
  "remove-files": "Remove + delete files",
};

/** The whole page. */
export function downloadsPage(input: DownloadsPageInput): SafeHtml {
  const error = input.error === undefined ? "" : html`<p class="error" role="alert">${input.error}</p>\n`;
  return layout({
    title: "Downloads",
    csrf: input.csrf,
    body: html`<h1>Downloads</h1>
<nav class="crumbs"><a href="/">Shares</a> / <span>Downloads</span></nav>
${error}${addForms(input)}
<div id="downloads-list" data-src="${LIST_PATH}">${downloadsList(input.list, input.csrf)}</div>
<script src="${SCRIPT_PATH}"></script>`,
  });
}

function addForms(input: DownloadsPageInput): SafeHtml {
  const options = input.remotes.map((r) => html`<option value="${r}">${r}</option>`);
  const remotes =
    input.remotes.length === 0
      ? html`<p class="note">No remotes yet: add the peer to download from with <code>peer remote add NAME URL --key KEY</code>.</p>`
      : html`<form class="add" method="post" action="${VIEW_PATH}/add">
<input type="hidden" name="csrf" value="${input.csrf}">
<label>Remote <select name="remote">${options}</select></label>
<input type="text" name="item" placeholder="item id, e.g. share/folder/file.iso" aria-label="item id" required>
<label><input type="checkbox" name="folder" value="1"> folder</label>
<input type="text" name="destination" placeholder="into (folder below the download root)" aria-label="destination">
<button class="primary" type="submit">Add</button>
</form>`;
  return html`${remotes}
<form class="add" method="post" action="${VIEW_PATH}/torrent" enctype="multipart/form-data">
<input type="hidden" name="csrf" value="${input.csrf}">
<label>.torrent <input type="file" name="torrent" accept=".torrent,application/x-bittorrent" required></label>
<input type="text" name="destination" placeholder="into (folder below the download root)" aria-label="torrent destination">
<button type="submit">Add torrent</button>
</form>`;
}

/** The list (a table, or a note when empty): the fragment the script fetches. */
export function downloadsList(list: ListInput, csrf: string): SafeHtml {
  const { rows } = list;
  if (rows.length === 0) return html`<p class="note">No downloads yet.</p>`;
  const more =
    list.total > rows.length
      ? html`<p class="note">The newest ${rows.length} of ${list.total} downloads are shown; remove finished ones to see the rest.</p>`
      : "";
  return html`<table class="downloads">
<thead><tr><th class="name">Name</th><th>State</th><th>Progress</th><th class="size">Bytes</th><th class="size">Rate</th><th class="size">ETA</th><th></th></tr></thead>
<tbody>
${rows.map((r) => downloadRowHtml(r, csrf))}</tbody>
</table>${more}`;
}

function downloadRowHtml(row: DownloadRow, csrf: string): SafeHtml {
  const bar =
    row.percent === undefined
      ? html`<progress aria-label="progress"></progress>`
      : html`<progress max="100" value="${row.percent}" aria-label="progress">${row.percent}%</progress> ${row.percent}%`;
  const bytes = row.size === undefined ? formatSize(row.done) : `${formatSize(row.done)} of ${formatSize(row.size)}`;
  const error = row.error === undefined ? "" : html`<br><small class="error">${row.error}</small>`;
  const buttons = row.actions.map(
    (a) =>
      html`<form method="post" action="${VIEW_PATH}/action"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="id" value="${row.id}"><button type="submit" name="action" value="${a}">${LABELS[a]}</button></form> `,
  );
  return html`<tr data-id="${row.id}" data-state="${row.state}"><td class="name"><bdi>${row.name}</bdi>${fileLinks(row)}${error}</td><td class="state">${row.state}</td><td>${bar}</td><td class="size">${bytes}</td><td class="size">${row.rate > 0 ? `${formatSize(row.rate)}/s` : ""}</td><td class="size">${row.etaSeconds === undefined ? "" : formatDuration(row.etaSeconds)}</td><td class="row-actions">${buttons}</td></tr>
`;
}

/** The link next to a download's name: its play page for media a browser plays, else its content. */
function fileLinks(row: DownloadRow): SafeHtml | string {
  if (!playable(row)) return "";
  if (row.player === undefined) return html` <a class="details open" href="${contentPath(row.id)}">open</a>`;
  return html` <a class="details play" href="${playHref(row.id)}">play</a>`;
}
