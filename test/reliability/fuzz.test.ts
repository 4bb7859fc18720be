// Bad input: schema-aware fuzzing (fast-check) of every route and both stream endpoints. Thousands
// of requests with malformed JSON, wrong types, unknown fields, huge bodies, odd limits and
// cursors, unicode and control characters, other principals' ids, path tricks, wrong
// content-types and methods: never a 5xx, every error is the documented JSON body, the daemon stays
// up and the data of a known session is unchanged.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import fc from "fast-check";
import { WebSocket } from "ws";
import { api, startDaemon, until, type DaemonHandle } from "../support/daemon.ts";
import { profile } from "./support.ts";

const A = "fuzz-token-alice-1";
const B = "fuzz-token-bob-002";
const ADMIN = "fuzz-token-admin-3";
const CAROL = "fuzz-token-carol-4"; // owns a session whose id the fuzzer never gets: it must not change
const REQUESTS = profile(3000, 20_000);
const WS_ATTEMPTS = profile(150, 1000);

interface Ids {
  ownSession: string;
  otherSession: string;
  ownRun: string;
  otherRun: string;
}

const weird = fc.oneof(
  fc.constantFrom("", " ", "\u0000", "a\u0000b", "%00", "../../etc/passwd", "..%2f..%2fetc", "/etc/../etc", "C:\\Windows", "\u202e\ud83d\ude00", "\ud800", "null", "NaN", "-1", "1e309", "0x10", "9007199254740993", "[]", "{}", "true"),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.constant("x".repeat(5000)),
);
const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, Number.MAX_SAFE_INTEGER + 2));
const anyValue = fc.oneof(weird, number, fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 3 }));
const queryValue = fc.oneof(weird, number.map(String), fc.array(fc.oneof(weird, number.map(String)), { minLength: 2, maxLength: 3 }));

const FIELDS = ["title", "provider", "model", "cwd", "idempotency_key", "text", "role", "session_id", "prompt", "to_status", "reason", "task", "request_kind", "decision", "ttl_s", "unknown_field", "__proto__", "constructor"];
const QUERY_KEYS = ["limit", "cursor", "parent_session_id", "timeout_s", "interval_ms", "status", "sessionId", "ticket", "foo"];
const ROUTES = [
  "GET /health", "GET /daemon/status", "POST /sessions", "GET /sessions", "GET /sessions/:sid", "GET /sessions/:sid/messages", "POST /sessions/:sid/messages",
  "GET /sessions/:sid/events", "POST /runs", "GET /runs/:rid", "POST /runs/:rid/transition", "POST /runs/:rid/cancel", "GET /runs/:rid/wait", "GET /runs/:rid/diagnose",
  "POST /runs/:rid/spawn", "POST /sessions/:sid/send", "POST /runs/:rid/reply-parent", "GET /escalations/:eid", "POST /escalations/:eid/resolve",
  "GET /sessions/:sid/escalations", "GET /escalations", "GET /sessions/:sid/children", "POST /stream/tickets", "GET /stream",
];

function requestArb(ids: Ids) {
  const id = (own: string, other: string) => fc.oneof(fc.constant(own), fc.constant(other), weird.map(enc), fc.constant("x".repeat(3000)), fc.constantFrom("..", "%2e%2e", "a/b", "%00", "ses_" + "0".repeat(26)));
  // Bodies: mostly objects built from the routes' field names with right and wrong value types.
  const body = fc.oneof(
    { weight: 6, arbitrary: fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 8 })), anyValue, { maxKeys: 5 }).map((o) => JSON.stringify(o)) },
    { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 50 }), fc.constantFrom("{", '{"text":', "[1,2", "\u0000", '{"a":1}garbage', "null", "[]", "1", '"s"')) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  return fc.record({
    route: fc.constantFrom(...ROUTES),
    method: fc.oneof({ weight: 8, arbitrary: fc.constant("") }, { weight: 1, arbitrary: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD") }),
    sid: id(ids.ownSession, ids.otherSession),
    rid: id(ids.ownRun, ids.otherRun),
    eid: id("esc_missing", ids.otherSession),
    query: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), fc.string({ maxLength: 6 })), queryValue), { maxLength: 3 }),
    body,
    contentType: fc.constantFrom("application/json", "application/json", "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1", "", "multipart/form-data; boundary=x"),
    accept: fc.constantFrom("text/event-stream", "application/json", "*/*"),
    token: fc.constantFrom(A, A, A, B, ADMIN, "wrong-token-xxxx", ""),
    idemKey: fc.option(weird, { nil: undefined }),
  });
}

/** Percent-encode; a lone surrogate becomes the invalid UTF-8 bytes %ED%A0%80 (fuzz input too). */
function enc(x: string): string {
  try {
    return encodeURIComponent(x);
  } catch {
    return x.split(/([\ud800-\udfff])/).map((part) => (/^[\ud800-\udfff]$/.test(part) ? "%ED%A0%80" : encodeURIComponent(part))).join("");
  }
}

type Req = ReturnType<typeof requestArb> extends fc.Arbitrary<infer T> ? T : never;

function toFetch(url: string, r: Req): { href: string; init: RequestInit } {
  const [routeMethod, template] = r.route.split(" ");
  const path = template.replace(":sid", r.sid).replace(":rid", r.rid).replace(":eid", r.eid);
  const qs = r.query.map(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${enc(k)}=${enc(x)}`).join("&")).join("&");
  const method = r.method || routeMethod;
  const headers: Record<string, string> = { accept: r.accept };
  if (r.token) headers.authorization = `Bearer ${r.token}`;
  if (r.contentType) headers["content-type"] = r.contentType;
  if (r.idemKey !== undefined && /^[\x20-\x7e]*$/.test(r.idemKey)) headers["idempotency-key"] = r.idemKey;
  const withBody = method !== "GET" && method !== "HEAD" && r.body !== undefined;
  return { href: `${url}${path}${qs ? `?${qs}` : ""}`, init: { method, headers, body: withBody ? r.body : undefined, signal: AbortSignal.timeout(60_000) } };
}

async function send(url: string, r: Req): Promise<{ status: number; text: string; href: string }> {
  const { href, init } = toFetch(url, r);
  const res = await fetch(href, init).catch((err: Error) => {
    throw new Error(`${init.method} ${href.slice(0, 300)} ${JSON.stringify(init.headers)}: ${err.message}`);
  });
  // A stream that opened: the answer is the 200 itself; do not read forever.
  if (res.headers.get("content-type")?.startsWith("text/event-stream")) {
    await res.body?.cancel();
    return { status: res.status, text: "", href };
  }
  return { status: res.status, text: await res.text(), href };
}

function assertAnswer(status: number, text: string, what: string, method: string): void {
  assert.ok(status < 500, `${what} -> ${status} ${text.slice(0, 300)}`);
  if (status >= 400 && method !== "HEAD") {
    let body: { error?: { code?: unknown; message?: unknown } } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      assert.fail(`${what} -> ${status} with a body that is not JSON: ${JSON.stringify(text.slice(0, 200))}`);
    }
    assert.equal(typeof body.error?.code, "string", `${what}: error body without code: ${text.slice(0, 200)}`);
    assert.ok(typeof body.error?.message === "string" && body.error.message.length > 0, `${what}: error body without message`);
  }
}

describe("bad input fuzzing", () => {
  let d: DaemonHandle;
  after(async () => {
    const code = await d?.stop();
    assert.equal(code, 0, `the daemon did not stop cleanly:\n${d?.logs().slice(-2000)}`);
  });

  test(`${REQUESTS} fuzzed requests and ${WS_ATTEMPTS} fuzzed upgrades: no 5xx, daemon up, data unchanged`, { timeout: profile(200_000, 1_800_000) }, async (t) => {
    d = await startDaemon({ args: ["--plugin", "./test/fixtures/plugins/slow-provider.ts", "--auth-token", A, "--auth-token", B, "--auth-token", CAROL, "--admin-token", ADMIN, "--max-concurrency", "2"] });
    const a = api(d.url, A);
    const b = api(d.url, B);
    const ownSession = (await a.post("/sessions", { title: "known", provider: "slow" })).body.session.id as string;
    const ownRun = (await a.post(`/sessions/${ownSession}/messages`, { text: "sleep 1", idempotency_key: "known-1" })).body.run.id as string;
    await a.get(`/runs/${ownRun}/wait?timeout_s=30`);
    const other = await b.converse("sleep 1", { title: "bob's secret title", provider: "slow" });
    const ids: Ids = { ownSession, otherSession: other.session.id, ownRun, otherRun: other.run.id };
    const carol = api(d.url, CAROL);
    const untouched = await carol.converse("sleep 1", { title: "carol's session", provider: "slow" });
    const snapshot = async () => JSON.stringify([(await carol.get(`/sessions/${untouched.session.id}/events?limit=1000`)).body, (await carol.get(`/sessions/${untouched.session.id}/messages`)).body]);
    const before = await snapshot();

    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
    t.diagnostic(`fuzz seed ${seed} (FUZZ_SEED=${seed} replays it)`);
    const statuses = new Map<number, number>();
    const result = await fc.check(
      fc.asyncProperty(requestArb(ids), async (r) => {
        const { status, text, href } = await send(d.url, r);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        assertAnswer(status, text, `${r.method || r.route.split(" ")[0]} ${href.slice(0, 300)}`, r.method);
      }),
      { numRuns: REQUESTS, seed, endOnFailure: true },
    );
    if (result.failed) assert.fail(`fuzz seed ${seed}, request #${result.numRuns}: ${String((result.errorInstance as Error)?.message ?? result.errorInstance).slice(0, 1500)}`);

    // Huge bodies and a body that lies about its length.
    const huge = await fetch(`${d.url}/sessions/${ownSession}/messages`, { method: "POST", headers: { authorization: `Bearer ${A}`, "content-type": "application/json" }, body: JSON.stringify({ text: "x".repeat(3 * 1024 * 1024), idempotency_key: "huge" }) });
    assert.equal(huge.status, 413);
    assert.equal((await huge.json()).error.code, "payload_too_large");

    // WebSocket upgrades with fuzzed query strings and tokens: an HTTP refusal (< 500) or an open socket.
    const wsReqs = fc.sample(requestArb(ids), { numRuns: WS_ATTEMPTS, seed });
    for (const r of wsReqs) {
      const { href } = toFetch(d.url, { ...r, route: "GET /stream" });
      const headers: Record<string, string> = r.token ? { authorization: `Bearer ${r.token}` } : {};
      const outcome = await new Promise<string>((resolve) => {
        const ws = new WebSocket(href.replace(/^http/, "ws"), { headers });
        ws.once("unexpected-response", (_req, res) => {
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString()));
          res.on("end", () => resolve(`${res.statusCode} ${text}`));
        });
        ws.once("open", () => (ws.close(), resolve("101")));
        ws.once("error", (err) => resolve(`error ${err.message}`));
      });
      const status = Number(outcome.split(" ")[0]);
      assert.ok(!Number.isNaN(status), `upgrade ${href}: ${outcome}`);
      assertAnswer(status, outcome.slice(4), `upgrade ${href}`, "GET");
    }

    t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    assert.ok((statuses.get(400) ?? 0) > REQUESTS / 10, "most fuzzed requests should reach validation");
    const status = await api(d.url, ADMIN).get("/daemon/status");
    assert.equal(status.status, 200);
    assert.equal(status.body.daemon_health, "ok");
    assert.equal(await snapshot(), before, "fuzzing changed a session it never addressed");
    await until(async () => (await api(d.url, ADMIN).get("/daemon/status")).body.queue_counts.running_count === 0, 60_000, "fuzzed runs to finish");
    assert.doesNotMatch(d.logs(), /unhandled error in request|unhandledRejection|uncaught/i, "the daemon logged an unhandled error");
  });

  test("cwd must be an absolute, normalized path without control characters", async () => {
    const a = api(d.url, A);
    for (const cwd of ["relative/dir", "../../etc", "/tmp/../etc", "/tmp/./x", "/tmp//x", "/tmp/", "/tmp/a\u0000b", "/tmp/\nx", ""]) {
      const res = await a.post("/sessions", { cwd });
      assert.equal(res.status, 400, `cwd ${JSON.stringify(cwd)} -> ${res.status}`);
      assert.equal(res.body.error.code, "validation_error");
      assert.equal(res.body.error.details[0].path, "/cwd");
    }
    const msg = (await a.post("/sessions", { cwd: "../../etc" })).body.error.message as string;
    assert.match(msg, /\/cwd must be an absolute, normalized path/);
    for (const cwd of ["/", "/tmp", "/tmp/a b/ünï/.hidden"]) {
      const res = await a.post("/sessions", { cwd });
      assert.equal(res.status, 201, `cwd ${JSON.stringify(cwd)} -> ${JSON.stringify(res.body)}`);
      assert.equal(res.body.session.cwd, cwd);
    }
  });
});
