// Every SqlValue type written through gateway.storage.transact survives the journal: kill -9
// before any checkpoint, restart (the journal is replayed), read the same values back.
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { SQL_VALUES } from "../fixtures/plugins/sql-values.ts";
import { api, cleanup, ROOT, startDaemon, type DaemonHandle } from "../support/daemon.ts";

const PLUGIN = ["--plugin", join(ROOT, "test/fixtures/plugins/sql-values.ts"), "--checkpoint-interval-ms", "3600000"];

describe("journal values", () => {
  let d: DaemonHandle | undefined;
  after(async () => {
    await d?.stop();
    if (d) cleanup(d.dataDir);
  });

  it("round-trips bytes, every kind of number, null and any string through a journal replay", async () => {
    const first = await startDaemon({ args: PLUGIN });
    d = first;
    const c = api(first.url);
    const w = await c.post("/test/values");
    assert.equal(w.status, 200, JSON.stringify(w.body));
    const before = (await c.get("/test/values")).body.rows as Array<{ kind: string; type: string; repr: string | null }>;
    assert.equal(before.length, SQL_VALUES.length);
    const byKind = new Map(before.map((r) => [r.kind, r]));
    assert.equal(byKind.get("bytes 0..255")?.type, "bytes");
    assert.equal(byKind.get("bytes 0..255")?.repr, Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString("base64"));
    assert.equal(byKind.get("bytes that look like JSON")?.type, "bytes");
    assert.equal(byKind.get("unicode")?.repr, "héllo ✓ 😀 \u2028");
    assert.equal(byKind.get("fraction")?.repr, "0.1");
    assert.equal(byKind.get("beyond safe integer")?.repr, String(2 ** 60));
    assert.equal(byKind.get("infinity")?.repr, "Infinity");
    assert.equal(byKind.get("null")?.type, "null");
    assert.equal(byKind.get("string with newline, NUL, quote and backslash")?.repr, 'a\nb\u0000c"d\\e');

    await first.kill9();
    assert.equal(statSync(first.db, { throwIfNoEntry: false }), undefined, "never checkpointed: the journal is all there is");
    assert.match(readFileSync(`${first.db}.journal`, "utf8"), /"\$b":"AAECAwQF/, "bytes are journaled as tagged base64");

    d = await startDaemon({ dataDir: first.dataDir, args: PLUGIN });
    const after = (await api(d.url).get("/test/values")).body.rows;
    assert.deepEqual(after, before, "every value reads back the same after the journal replay");
  });
});
