/** `link-expires` of the torrent route (pure). */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseLinkExpires } from "../../../server/torrent/torrent-route.js";

describe("parseLinkExpires", () => {
  const cases: Array<[string | null, number | undefined]> = [
    ["-1", undefined],
    ["59", undefined],
    ["1e3", undefined],
    ["", undefined],
    ["99999999999", undefined],
    [String(3651 * 86400), undefined],
    [null, 7 * 86400],
    ["60", 60],
    ["86400", 86400],
  ];
  for (const [input, expected] of cases)
    test(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(parseLinkExpires(input), expected));
});
