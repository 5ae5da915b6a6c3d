/** The table of a folder listing (pure template), shared by the web page and folder links. */
import { formatSize, formatWhen, kindOf } from "../format.js";
import { html, type SafeHtml } from "../../../common/html.js";
import { sortRows, type Row, type Sort, type SortKey } from "../sort-rows.js";

const COLUMNS: ReadonlyArray<{ key: SortKey; label: string; className: string }> = [
  { key: "name", label: "Name", className: "name" },
  { key: "size", label: "Size", className: "size" },
  { key: "modified", label: "Modified", className: "when" },
  { key: "type", label: "Type", className: "kind" },
];

/** Options of {@link listingTable}. */
export interface ListingTableOptions {
  readonly rows: readonly Row[];
  readonly sort: Sort;
  /** The URL of this listing sorted by `key` in direction `descending` (header links). */
  readonly sortHref: (key: SortKey, descending: boolean) => string;
  /** Show each file's item id under its name (search results). */
  readonly showIds?: boolean | undefined;
}

/**
 * Sorted rows in a table whose headers re-sort (clicking the current column flips the order). Names sit
 * in `<bdi>`: a right-to-left name cannot pull the "/" or "details" beside it into its own order.
 */
export function listingTable(options: ListingTableOptions): SafeHtml {
  const { sort } = options;
  const headers = COLUMNS.map((c) => {
    const current = sort.key === c.key;
    const arrow = current ? (sort.descending ? " ↓" : " ↑") : "";
    const href = options.sortHref(c.key, current ? !sort.descending : false);
    return html`<th class="${c.className}"${current ? html` aria-sort="${sort.descending ? "descending" : "ascending"}"` : ""}><a href="${href}">${c.label}${arrow}</a></th>`;
  });
  const rows = sortRows(options.rows, sort).map((row) => {
    const id = options.showIds && row.id !== undefined ? html`<br><small class="note">${row.id}</small>` : "";
    const details = row.details === undefined ? "" : html` <a class="details" href="${row.details}">details</a>`;
    if (row.kind === "folder") {
      return html`<tr><td class="name"><a class="folder" href="${row.href}"><bdi>${row.name}</bdi>/</a>${id}</td><td class="size"></td><td class="when"></td><td class="kind">folder</td></tr>`;
    }
    return html`<tr><td class="name"><a class="file" href="${row.href}" download="${row.name}"><bdi>${row.name}</bdi></a>${details}${id}</td><td class="size">${formatSize(row.size ?? 0)}</td><td class="when">${row.modified === undefined ? "" : formatWhen(row.modified)}</td><td class="kind">${kindOf(row.contentType ?? "")}</td></tr>`;
  });
  const empty = options.rows.length === 0 ? html`<tr><td colspan="4" class="note">Nothing here.</td></tr>` : "";
  return html`<table>
<thead><tr>${headers}</tr></thead>
<tbody>
${rows}${empty}
</tbody>
</table>`;
}
