import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDatabaseUrl, redact } from "../../../common/store/database-url.js";

const refused: Array<[string, string, RegExp]> = [
  ["not a URL", "localhost:5432/peer", /unsupported database scheme|not a URL/],
  ["a typo in the scheme", "postgress://db/peer", /unsupported database scheme "postgress:"/],
  ["another database", "mysql://db/peer", /unsupported database scheme "mysql:"/],
  ["no host", "postgres:///peer", /no host/],
  ["a port out of range", "postgres://db:70000/peer", /not a URL|port/],
  ["a slash in the database name", "postgres://db/peer/x", /contains "\/"/],
  ["a password is never echoed", "mysql://u:s3cret@db/peer", /^(?!.*s3cret)/],
  ["plain words", "sqlite please", /not a URL/],
];

for (const [name, text, error] of refused) {
  test(`parseDatabaseUrl refuses ${name}`, () => {
    const r = parseDatabaseUrl(text);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.match(r.error, error);
      assert.match(r.error, /postgres:\/\/user:password@host:5432\/peer/, "says what to give");
      assert.doesNotMatch(r.error, /s3cret/);
    }
  });
}

const accepted: Array<[string, string | undefined, { kind: string; display?: string; host?: string }]> = [
  ["nothing", undefined, { kind: "sqlite" }],
  ["an empty string", "", { kind: "sqlite" }],
  ["blanks", "  ", { kind: "sqlite" }],
  [
    "postgres://",
    "postgres://u:p@db.example:6543/peer",
    { kind: "postgres", display: "db.example:6543/peer", host: "db.example" },
  ],
  ["postgresql://, default port", "postgresql://db/peer", { kind: "postgres", display: "db:5432/peer", host: "db" }],
  [
    "no database name",
    "postgres://127.0.0.1",
    { kind: "postgres", display: "127.0.0.1:5432/(default)", host: "127.0.0.1" },
  ],
  ["a socket directory", "postgres:///peer?host=/run/postgresql", { kind: "postgres", host: "/run/postgresql" }],
];

for (const [name, text, expected] of accepted) {
  test(`parseDatabaseUrl accepts ${name}`, () => {
    const r = parseDatabaseUrl(text);
    assert.ok(r.ok);
    if (r.ok) {
      assert.equal(r.value.kind, expected.kind);
      if (r.value.kind === "postgres") {
        if (expected.display !== undefined) assert.equal(r.value.display, expected.display);
        assert.equal(r.value.host, expected.host);
        assert.doesNotMatch(r.value.display, /:p@/, "display has no credentials");
      }
    }
  });
}

test("redact hides the password of a URL and of a non-URL", () => {
  assert.equal(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
  assert.equal(redact("postgres://u@h/db"), "postgres://u@h/db");
  assert.equal(redact("x u:secret@h"), "x u:***@h");
});
