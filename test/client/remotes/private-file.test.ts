/** Whether a file may hold keys: ssh's rule (owned by the reader, no group/other bits). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkPrivateFile } from "../../../client/remotes/private-file.js";

const FILE = 0o100000;
const cases: Array<[string, { mode: number; uid: number }, number | undefined, RegExp | undefined]> = [
  ["world-readable", { mode: FILE | 0o644, uid: 1000 }, 1000, /permissions 0644.*chmod 600/],
  ["group-readable", { mode: FILE | 0o640, uid: 1000 }, 1000, /permissions 0640/],
  ["world-writable only", { mode: FILE | 0o602, uid: 1000 }, 1000, /permissions 0602/],
  ["group-executable only", { mode: FILE | 0o610, uid: 1000 }, 1000, /permissions 0610/],
  ["someone else's", { mode: FILE | 0o600, uid: 1001 }, 1000, /belongs to user 1001, not to you \(1000\)/],
  ["0600", { mode: FILE | 0o600, uid: 1000 }, 1000, undefined],
  ["0400", { mode: FILE | 0o400, uid: 1000 }, 1000, undefined],
  ["root reads another user's private file", { mode: FILE | 0o600, uid: 1000 }, 0, undefined],
  ["root still refuses an open file", { mode: FILE | 0o644, uid: 1000 }, 0, /permissions 0644/],
  ["no uid (Windows): not checked", { mode: FILE | 0o666, uid: 0 }, undefined, undefined],
];

for (const [name, file, uid, want] of cases) {
  test(`checkPrivateFile: ${name}`, () => {
    const problem = checkPrivateFile(file, { uid }, "/d/remotes.json");
    if (want === undefined) assert.equal(problem, undefined);
    else assert.match(problem ?? "", want);
  });
}
