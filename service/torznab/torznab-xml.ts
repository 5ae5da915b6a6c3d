/**
 * The one codec for Torznab answers: `caps`, result feeds (RSS 2.0 with `torznab:attr`) and
 * `<error>` elements, in the shape Sonarr's and Radarr's Torznab parsers read
 * (docs/torznab.md). Every text and attribute goes through `xmlEscape`.
 */
import { CATEGORIES } from "./release-match.js";
import { MAX_LIMIT } from "./torznab-request.js";

/** The Torznab XML namespace the *arr look attributes up in. */
export const TORZNAB_NAMESPACE = "http://torznab.com/schemas/2015/feed";

/** One release in a feed. */
export interface TorznabItem {
  /** The release name. */
  title: string;
  /** Stable id of the release (the pieces root, or the item id before it is hashed). */
  guid: string;
  /** Absolute URL of the .torrent (enclosure and link). */
  torrentUrl: string;
  /** Bytes of the content. */
  size: number;
  /** Publication time (the file's mtime). */
  published: Date;
  /** Newznab category id. */
  category: number;
  /** How many remotes hold it. */
  seeders: number;
  /** v1 info-hash, 40 hex, when known. */
  infohash?: string;
  /** How many files a folder release holds (`extended=1`). */
  files?: number;
}

const CATEGORY_NAMES: [number, string, [number, string][]][] = [
  [
    CATEGORIES.movies,
    "Movies",
    [
      [CATEGORIES.moviesSd, "Movies/SD"],
      [CATEGORIES.moviesHd, "Movies/HD"],
      [CATEGORIES.moviesUhd, "Movies/UHD"],
    ],
  ],
  [
    CATEGORIES.tv,
    "TV",
    [
      [CATEGORIES.tvSd, "TV/SD"],
      [CATEGORIES.tvHd, "TV/HD"],
      [CATEGORIES.tvUhd, "TV/UHD"],
    ],
  ],
  [CATEGORIES.other, "Other", []],
];

/** Escapes text and attribute values; drops characters XML 1.0 cannot carry. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const PROLOGUE = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** `t=caps`. */
export function capsXml(serverTitle: string, version: string): string {
  const categories = CATEGORY_NAMES.map(
    ([id, name, subs]) =>
      `    <category id="${id}" name="${name}">${subs.map(([subId, subName]) => `\n      <subcat id="${subId}" name="${subName}"/>`).join("")}${subs.length ? "\n    " : ""}</category>`,
  ).join("\n");
  return `${PROLOGUE}<caps>
  <server version="${xmlEscape(version)}" title="${xmlEscape(serverTitle)}"/>
  <limits max="${MAX_LIMIT}" default="${MAX_LIMIT}"/>
  <searching>
    <search available="yes" supportedParams="q"/>
    <tv-search available="yes" supportedParams="q,season,ep"/>
    <movie-search available="yes" supportedParams="q"/>
    <music-search available="no" supportedParams="q"/>
    <audio-search available="no" supportedParams="q"/>
    <book-search available="no" supportedParams="q"/>
  </searching>
  <categories>
${categories}
  </categories>
</caps>
`;
}

/** A page of results; `offset` and `total` fill `newznab:response`. */
export function feedXml(
  channel: { title: string; selfUrl: string },
  items: TorznabItem[],
  offset: number,
  total: number,
): string {
  return `${PROLOGUE}<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:torznab="${TORZNAB_NAMESPACE}" xmlns:newznab="http://www.newznab.com/DTD/2010/feeds/attributes/">
<channel>
<atom:link href="${xmlEscape(channel.selfUrl)}" rel="self" type="application/rss+xml"/>
<title>${xmlEscape(channel.title)}</title>
<description>${xmlEscape(channel.title)}: files shared by friends</description>
<newznab:response offset="${offset}" total="${total}"/>
${items.map(itemXml).join("")}</channel>
</rss>
`;
}

function itemXml(item: TorznabItem): string {
  const attrs: [string, string | number][] = [
    ["category", item.category],
    ["size", item.size],
    ["seeders", item.seeders],
    ["peers", item.seeders],
    ["downloadvolumefactor", 0],
    ["uploadvolumefactor", 1],
  ];
  if (item.infohash !== undefined) attrs.push(["infohash", item.infohash]);
  if (item.files !== undefined) attrs.push(["files", item.files]);
  const url = xmlEscape(item.torrentUrl);
  return `<item>
<title>${xmlEscape(item.title)}</title>
<guid isPermaLink="false">${xmlEscape(item.guid)}</guid>
<link>${url}</link>
<comments>${url}</comments>
<pubDate>${item.published.toUTCString()}</pubDate>
<size>${item.size}</size>
<category>${item.category}</category>
<enclosure url="${url}" length="${item.size}" type="application/x-bittorrent"/>
${attrs.map(([name, value]) => `<torznab:attr name="${name}" value="${xmlEscape(String(value))}"/>`).join("\n")}
</item>
`;
}

/** A Newznab error element: what Torznab clients read instead of an HTTP error page. */
export function errorXml(code: number, description: string): string {
  return `${PROLOGUE}<error code="${code}" description="${xmlEscape(description)}"/>\n`;
}
