/** The folder page (pure): breadcrumbs, search, a sortable listing of folders and files. */
import type { FileEntry, FolderListing } from "../../catalog/catalog.js";
import { html, type SafeHtml } from "../../../common/html.js";
import { layout } from "../layout.js";
import type { Row, Sort } from "../sort-rows.js";
import { browseHref, downloadHref, folderTorrentHref, itemHref, zipHref } from "../web-paths.js";
import { listingTable } from "./listing-table.js";

/** What {@link browsePage} shows. */
export interface BrowseInput {
  /** `undefined` for the list of shares, else `share` or `share/a/b`. */
  readonly folderId: string | undefined;
  /** The share names (at the top) or the folder's children. */
  readonly listing: FolderListing;
  readonly sort: Sort;
  /** The search text, when searching. */
  readonly query?: string | undefined;
  /** Search results (files whose name holds the query, below this folder). */
  readonly results?: readonly FileEntry[] | undefined;
  readonly csrf: string;
  /** Whether the server makes .torrent files: a folder page then links its folder torrent. @default false */
  readonly torrents?: boolean | undefined;
  /** Links to the extension's views this session may open (e.g. Downloads). @default none */
  readonly views?: readonly { readonly href: string; readonly label: string }[] | undefined;
}

/** Rows of a folder with absolute web-page hrefs. */
export function folderRows(listing: FolderListing): Row[] {
  return listing.children.map((child) =>
    child.kind === "folder" ? { kind: "folder", name: child.name, href: browseHref(child.id) } : fileRow(child.entry),
  );
}

function fileRow(entry: FileEntry, withId = false): Row {
  return {
    kind: "file",
    name: entry.name,
    href: downloadHref(entry.id),
    details: itemHref(entry.id),
    id: withId ? entry.id : undefined,
    size: entry.size,
    modified: entry.modified.getTime(),
    contentType: entry.contentType,
  };
}

/** Breadcrumbs: "Shares", then each folder down to this one (the last is plain text). */
export function breadcrumbs(folderId: string | undefined): SafeHtml {
  const segments = folderId === undefined ? [] : folderId.split("/");
  const parts: SafeHtml[] = [segments.length === 0 ? html`<span>Shares</span>` : html`<a href="/">Shares</a>`];
  segments.forEach((name, i) => {
    const last = i === segments.length - 1;
    parts.push(
      last ? html`<span>${name}</span>` : html`<a href="${browseHref(segments.slice(0, i + 1).join("/"))}">${name}</a>`,
    );
  });
  return html`<nav class="crumbs" aria-label="breadcrumbs">${parts.map((p, i) => (i === 0 ? p : html` / ${p}`))}</nav>`;
}

/** The whole page. */
export function browsePage(input: BrowseInput): SafeHtml {
  const here = input.folderId === undefined ? "/" : browseHref(input.folderId);
  const title = input.folderId ?? "Shares";
  const query = input.query ?? "";
  const searching = input.results !== undefined;
  const qs = (extra: string) => (searching ? `?q=${encodeURIComponent(query)}&${extra}` : `?${extra}`);
  const rows = searching ? (input.results ?? []).map((e) => fileRow(e, true)) : folderRows(input.listing);
  const table = listingTable({
    rows,
    sort: input.sort,
    showIds: searching,
    sortHref: (key, descending) => `${here}${qs(`sort=${key}&order=${descending ? "desc" : "asc"}`)}`,
  });
  // Quotes written \u201c \u201d: scripts/build.mjs keeps the bundle ASCII.
  const summary = searching
    ? html`<p class="note">${rows.length} file${rows.length === 1 ? "" : "s"} matching \u201c${query}\u201d below ${title}. <a href="${here}">Clear</a></p>`
    : "";
  const truncated =
    input.listing.truncated && !searching
      ? html`<p class="note">Only the first ${input.listing.children.length} entries are shown; search to find the others.</p>`
      : "";
  return layout({
    title,
    csrf: input.csrf,
    body: html`<h1>${title}</h1>
${views(input.views ?? [])}${breadcrumbs(input.folderId)}
${input.folderId === undefined ? "" : html`<p><a class="zip" href="${zipHref(input.folderId)}" download>Download as .zip</a>${input.torrents ? html` \u00b7 <a class="torrent" href="${folderTorrentHref(input.folderId)}">.torrent (BitTorrent v1+v2)</a>` : ""}</p>`}
<form class="search" method="get" action="${here}" role="search">
<input type="search" name="q" value="${query}" placeholder="Search file names below this folder" aria-label="search">
<button type="submit">Search</button>
</form>
${summary}${table}
${truncated}`,
  });
}

/** The links to other views (Downloads), on every folder page. */
function views(links: readonly { readonly href: string; readonly label: string }[]): SafeHtml | string {
  if (links.length === 0) return "";
  return html`<nav class="views">${links.map((l) => html`<a href="${l.href}">${l.label}</a> `)}</nav>
`;
}
