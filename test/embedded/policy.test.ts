// Unit tests of the embedded runtime's pure policies: Retry-After parsing, backoff bounds, the
// delta coalescer's size trigger, and which endpoint a session's model resolves to.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Value } from "@sinclair/typebox/value";
import { EmbeddedConfigSchema, resolveTarget, type EmbeddedConfig } from "../../plugins/provider-embedded/src/config.ts";
import { DeltaCoalescer } from "../../core/src/providers/delta-coalescer.ts";
import { backoffMs, retryAfterMs } from "../../plugins/provider-embedded/src/retry.ts";

const config = (partial: Partial<EmbeddedConfig>): EmbeddedConfig => Value.Default(EmbeddedConfigSchema, structuredClone(partial)) as EmbeddedConfig;

test("Retry-After: seconds, HTTP date, retry-after-ms, garbage", () => {
  assert.equal(retryAfterMs(new Headers({ "retry-after": "2" })), 2000);
  assert.equal(retryAfterMs(new Headers({ "retry-after": "0.5" })), 500);
  const now = Date.parse("2026-11-25T10:00:00Z");
  assert.equal(retryAfterMs(new Headers({ "retry-after": "Wed, 25 Nov 2026 10:00:07 GMT" }), now), 7000);
  assert.equal(retryAfterMs(new Headers({ "retry-after": "Wed, 25 Nov 2026 09:00:00 GMT" }), now), 0, "a date in the past means now");
  assert.equal(retryAfterMs(new Headers({ "retry-after-ms": "250", "retry-after": "9" })), 250);
  assert.equal(retryAfterMs(new Headers({ "retry-after": "soon" })), null);
  assert.equal(retryAfterMs(new Headers()), null);
  assert.equal(retryAfterMs(undefined), null);
});

test("backoff doubles, stays within [ceiling/2, ceiling], is capped, and yields to the server", () => {
  for (let attempt = 0; attempt < 8; attempt++) {
    const ceiling = Math.min(4000, 500 * 2 ** attempt);
    assert.equal(backoffMs(attempt, 500, 4000, null, () => 0), ceiling / 2);
    assert.equal(backoffMs(attempt, 500, 4000, null, () => 1), ceiling);
  }
  assert.equal(backoffMs(5, 500, 4000, 1234), 1234);
});

test("the coalescer flushes at 2 KB without waiting for its timer", () => {
  const out: string[] = [];
  const c = new DeltaCoalescer((t) => out.push(t), 60_000, 2048);
  for (let i = 0; i < 5000; i++) c.push("a");
  assert.deepEqual(out.map((t) => t.length), [2048, 2048]);
  c.flush();
  assert.deepEqual(out.map((t) => t.length), [2048, 2048, 904]);
  c.push("tail");
  c.discard();
  c.flush();
  assert.equal(out.length, 3, "discarded text is never emitted");
});

test("model resolution: offline when nothing is configured, entries, raw ids, defaults", () => {
  assert.equal(resolveTarget(config({}), null).backend, "offline");
  assert.match(JSON.stringify(resolveTarget(config({}), "gpt-x")), /asks for model \\"gpt-x\\", ignored/);
  const flags = config({ baseUrl: "http://h/v1", model: "m1", apiKeyEnv: "K" });
  assert.deepEqual(resolveTarget(flags, null), { backend: "openai-compatible", entry: null, baseUrl: "http://h/v1", model: "m1", apiKeyEnv: "K" });
  assert.deepEqual(resolveTarget(flags, "m2"), { backend: "openai-compatible", entry: null, baseUrl: "http://h/v1", model: "m2", apiKeyEnv: "K" });
  assert.equal(resolveTarget(flags, "offline").backend, "offline");
  assert.throws(() => resolveTarget(config({ baseUrl: "http://h/v1" }), null), /no model is: set --model/);
  const named = config({ models: { a: { baseUrl: "http://a/v1", model: "ma", apiKeyEnv: "KA" }, b: { baseUrl: "http://b/v1", model: "mb" } }, defaultModel: "b" });
  assert.deepEqual(resolveTarget(named, "a"), { backend: "openai-compatible", entry: "a", baseUrl: "http://a/v1", model: "ma", apiKeyEnv: "KA" });
  assert.deepEqual(resolveTarget(named, null), { backend: "openai-compatible", entry: "b", baseUrl: "http://b/v1", model: "mb", apiKeyEnv: "OPENAI_API_KEY" });
  assert.deepEqual(resolveTarget(named, "raw"), { backend: "openai-compatible", entry: null, baseUrl: "http://b/v1", model: "raw", apiKeyEnv: "OPENAI_API_KEY" });
});
