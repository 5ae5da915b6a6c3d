/**
 * Which player the downloads view offers for a download (pure): a `<video>` or an `<audio>`
 * element for the media types browsers play without a plug-in (WebM and MP4 video, audio),
 * none for the rest (a plain link to the content: the browser shows or saves it).
 * Table-tested in test/service/downloads-view/player-kind.test.ts.
 */
import { contentTypeFor } from "../../common/http/content-type.js";

/** The element the play page shows; undefined: no player, a plain link. */
export type PlayerKind = "video" | "audio" | undefined;

// Matroska, AVI, MPEG-TS and the like play in mpv or VLC, not reliably in a browser: they keep the plain link.
const VIDEO = new Set(["video/webm", "video/mp4"]);

/** The player for a file named `name`, from its media type (common/http/content-type.ts). */
export function playerKind(name: string): PlayerKind {
  const type = (contentTypeFor(name).split(";")[0] ?? "").trim().toLowerCase();
  if (VIDEO.has(type)) return "video";
  if (type.startsWith("audio/")) return "audio";
  return undefined;
}
