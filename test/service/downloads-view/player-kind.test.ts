/** Which player the downloads view offers (service/downloads-view/player-kind.ts): by media type. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type PlayerKind, playerKind } from "../../../service/downloads-view/player-kind.js";

const CASES: ReadonlyArray<[name: string, expected: PlayerKind]> = [
  ["film.webm", "video"],
  ["FILM.MP4", "video"],
  ["song.mp3", "audio"],
  ["song.flac", "audio"],
  ["song.ogg", "audio"],
  ["song.opus", "audio"],
  ["song.m4a", "audio"],
  ["film.mkv", undefined], // Matroska: mpv or VLC, not a browser
  ["film.avi", undefined],
  ["film.mov", undefined],
  ["film.webm.part", undefined],
  ["notes.txt", undefined],
  ["page.html", undefined],
  ["no-extension", undefined],
  [".webm", undefined], // a leading dot alone is not an extension
];

for (const [name, expected] of CASES)
  test(`${name} → ${expected ?? "a plain link"}`, () => assert.equal(playerKind(name), expected));
