/** Sorting the rows of a folder listing (pure): folders first, then by the chosen column. */

/** Columns a listing sorts by. */
export const SORT_KEYS = ["name", "size", "modified", "type"] as const;
/** One of {@link SORT_KEYS}. */
export type SortKey = (typeof SORT_KEYS)[number];

/** A listing's sort: column and direction. */
export interface Sort {
  readonly key: SortKey;
  readonly descending: boolean;
}

/** The default sort: by name, ascending. */
export const DEFAULT_SORT: Sort = { key: "name", descending: false };

/** One row of a listing. */
export interface Row {
  readonly kind: "folder" | "file";
  /** Plain name (escaped when rendered). */
  readonly name: string;
  /** Where the name links to (already a URL path). */
  readonly href: string;
  /** Item id, for search results outside the current folder. */
  readonly id?: string | undefined;
  readonly size?: number | undefined;
  readonly modified?: number | undefined;
  readonly contentType?: string | undefined;
  /** The file's details page, when there is one. */
  readonly details?: string | undefined;
}

/** Reads `sort` and `order` query parameters; anything unknown falls back to {@link DEFAULT_SORT}. */
export function parseSort(params: URLSearchParams): Sort {
  const key = params.get("sort");
  const order = params.get("order");
  return {
    key: (SORT_KEYS as readonly string[]).includes(key ?? "") ? (key as SortKey) : DEFAULT_SORT.key,
    descending: order === "desc",
  };
}

const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

function byName(a: Row, b: Row): number {
  return collator.compare(a.name, b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

function byKey(key: SortKey): (a: Row, b: Row) => number {
  switch (key) {
    case "size":
      return (a, b) => (a.size ?? -1) - (b.size ?? -1);
    case "modified":
      return (a, b) => (a.modified ?? 0) - (b.modified ?? 0);
    case "type":
      return (a, b) => collator.compare(a.contentType ?? "", b.contentType ?? "");
    case "name":
      return byName;
  }
}

/** Sorts rows: folders before files whatever the direction; ties by name (natural order). */
export function sortRows(rows: readonly Row[], sort: Sort): Row[] {
  const compare = byKey(sort.key);
  const sign = sort.descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    if (a.kind !== b.kind) return a.kind === "folder" ? -1 : 1;
    return sign * compare(a, b) || byName(a, b);
  });
}
