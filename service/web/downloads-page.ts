/**
 * The web page's Downloads view (pure template): the queue with progress and
 * one form per action, and a form to add an item of a remote. No script: every
 * action is a POST form carrying the session's CSRF token; every name escaped.
 */
import { html, type SafeHtml } from "../../server/web/html.js";
import { layout } from "../../server/web/layout.js";

/** One row of the view. */
export interface DownloadRow {
  readonly id: string;
  readonly name: string;
  readonly path: string;
  readonly status: string;
  readonly done: number;
  readonly size: number | null;
  readonly error: string | null;
}

const ACTIONS: Readonly<Record<string, readonly string[]>> = {
  queued: ["pause", "cancel"],
  downloading: ["pause", "cancel"],
  verifying: ["cancel"],
  paused: ["resume", "cancel", "remove"],
  failed: ["retry", "remove"],
  cancelled: ["retry", "remove"],
  completed: ["remove"],
};

/** States in which the content can be read: verified pieces while it runs, the whole file once done. */
const PLAYABLE = new Set(["downloading", "verifying", "completed"]);

/** A link to the download's content (docs/service.md "Playing a download"): browsers play media in place. */
function play(row: DownloadRow): SafeHtml | string {
  if (!PLAYABLE.has(row.status)) return "";
  return html`<a href="/v1/downloads/${encodeURIComponent(row.id)}/content">play</a> `;
}

function percent(row: DownloadRow): string {
  if (row.status === "completed") return "100 %";
  if (row.size === null || row.size === 0) return "";
  return `${Math.floor((100 * row.done) / row.size)} %`;
}

/** The whole page; `message` is shown above the list (after an action). */
export function downloadsPage(
  rows: readonly DownloadRow[],
  remotes: readonly string[],
  csrf: string,
  message?: string,
): SafeHtml {
  const form = (row: DownloadRow, action: string) =>
    html`<form class="inline" method="post" action="/web/downloads"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="id" value="${row.id}"><button type="submit" name="action" value="${action}">${action}</button></form>`;
  const body = html`<h1>Downloads</h1>
${message === undefined ? "" : html`<p class="message">${message}</p>`}
<form method="post" action="/web/downloads">
<input type="hidden" name="csrf" value="${csrf}">
<label>Remote <select name="remote">${remotes.map((r) => html`<option value="${r}">${r}</option>`)}</select></label>
<label>Item id <input name="item" required maxlength="1000" placeholder="share/path/file.mkv"></label>
<label>Folder <input name="destination" maxlength="1000" placeholder="inside the download folder"></label>
<button type="submit" name="action" value="add">Add</button>
</form>
<table>
<thead><tr><th>Name</th><th>Where</th><th>State</th><th>Progress</th><th></th></tr></thead>
<tbody>
${rows.map(
  (r) =>
    html`<tr><td>${r.name}</td><td>${r.path}</td><td>${r.status}${r.error === null ? "" : html` <span class="error">${r.error}</span>`}</td><td>${percent(r)}</td><td>${play(r)}${(ACTIONS[r.status] ?? []).map((a) => form(r, a))}</td></tr>`,
)}
</tbody>
</table>
${rows.length === 0 ? html`<p>Nothing queued yet.</p>` : ""}
<p><a href="/web/downloads">Refresh</a></p>`;
  return layout({ title: "Downloads", body, csrf });
}
