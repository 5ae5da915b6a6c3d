/** The page a folder link shows (pure): that folder's children, with relative links only. */
import type { FolderListing } from "../../catalog/catalog.js";
import { html, type SafeHtml } from "../../../common/html.js";
import { layout } from "../layout.js";
import type { Row, Sort } from "../sort-rows.js";
import { listingTable } from "./listing-table.js";

/** What {@link linkListingPage} shows. */
export interface LinkListingInput {
  /** The linked folder's own name. */
  readonly rootName: string;
  /** Sub-folders below the linked folder, to this listing. */
  readonly segments: readonly string[];
  readonly listing: FolderListing;
  readonly sort: Sort;
}

/** Rows of a listing with hrefs relative to the listing's own URL (which ends with `/`). */
export function relativeRows(listing: FolderListing): Row[] {
  return listing.children.map((child) =>
    child.kind === "folder"
      ? { kind: "folder", name: child.name, href: `./${encodeURIComponent(child.name)}/` }
      : {
          kind: "file",
          name: child.entry.name,
          href: `./${encodeURIComponent(child.entry.name)}`,
          size: child.entry.size,
          modified: child.entry.modified.getTime(),
          contentType: child.entry.contentType,
        },
  );
}

/** Breadcrumbs of a link listing: the linked folder, then each sub-folder (relative `../` links). */
function crumbs(rootName: string, segments: readonly string[]): SafeHtml {
  const names = [rootName, ...segments];
  const parts = names.map((name, i) => {
    const up = names.length - 1 - i;
    return up === 0 ? html`<span>${name}</span>` : html`<a href="${"../".repeat(up)}">${name}</a>`;
  });
  return html`<nav class="crumbs">${parts.map((p, i) => (i === 0 ? p : html` / ${p}`))}</nav>`;
}

/** The whole page. */
export function linkListingPage(input: LinkListingInput): SafeHtml {
  const title = [input.rootName, ...input.segments].join("/");
  const table = listingTable({
    rows: relativeRows(input.listing),
    sort: input.sort,
    sortHref: (key, descending) => `?sort=${key}&order=${descending ? "desc" : "asc"}`,
  });
  const truncated = input.listing.truncated
    ? html`<p class="note">Only the first ${input.listing.children.length} entries are shown.</p>`
    : "";
  return layout({
    title,
    referrer: "no-referrer",
    body: html`<h1>${title}/</h1>
${crumbs(input.rootName, input.segments)}
<p><a class="zip" href="?zip" download>Download as .zip</a></p>
${table}
${truncated}
<p class="note">Shared with a link: anyone who has it can download these files.</p>`,
  });
}
