// The REST client SDK (@agentd/core/client) that agentctl uses: typed errors, and an idempotency
// key reused across its own retries. A loopback proxy forwards the first request to the real
// daemon and then cuts the connection before the answer, the way a flaky network does.
import assert from "node:assert/strict";
import { connect, createServer, type Server, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { AgentdApiError, AgentdClient, DaemonUnreachableError } from "@agentd/core/client";
import { api, cleanup, startDaemon, type DaemonHandle } from "../support/daemon.ts";

/** Forwards to `target`; the first `drop` connections get their request through but never the answer. */
async function flakyProxy(target: URL, drop: number): Promise<{ url: string; server: Server; dropped: () => number }> {
  let dropped = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    const upstream = connect(Number(target.port), target.hostname);
    const cut = dropped < drop;
    if (cut) dropped++;
    client.pipe(upstream);
    upstream.on("data", (chunk) => (cut ? client.destroy() : client.write(chunk)));
    upstream.on("end", () => client.end());
    client.on("close", () => upstream.destroy());
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  server.on("close", () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server, dropped: () => dropped };
}

describe("REST client SDK", () => {
  let d: DaemonHandle;
  before(async () => {
    d = await startDaemon();
  });
  after(async () => {
    await d.stop();
    cleanup(d.dataDir);
  });

  it("retries a mutation with the same idempotency key: one session, one message, one run", async () => {
    const proxy = await flakyProxy(new URL(d.url), 1);
    try {
      const client = new AgentdClient({ baseUrl: proxy.url, retryDelayMs: 50 });
      const { session } = await client.createSession({ title: "retry me" });
      assert.equal(proxy.dropped(), 1, "the first attempt lost its answer");
      const sessions = (await api(d.url).get("/sessions?limit=500")).body.sessions as { id: string; title: string }[];
      assert.deepEqual(sessions.filter((s) => s.title === "retry me").map((s) => s.id), [session.id], "the retry did not create a second session");

      const proxy2 = await flakyProxy(new URL(d.url), 1);
      try {
        const sent = await new AgentdClient({ baseUrl: proxy2.url, retryDelayMs: 50 }).sendMessage(session.id, { text: "Respond with exactly: once" });
        assert.equal(proxy2.dropped(), 1);
        const messages = (await api(d.url).get(`/sessions/${session.id}/messages`)).body.messages as { role: string; id: string }[];
        assert.deepEqual(messages.filter((m) => m.role === "user").map((m) => m.id), [sent.message.id]);
        assert.equal((await client.waitRun(sent.run.id, { timeout_s: 30 })).run.status, "completed");
      } finally {
        proxy2.server.close();
      }
    } finally {
      proxy.server.close();
    }
  });

  it("throws AgentdApiError with the server's code, status and details", async () => {
    const client = new AgentdClient({ baseUrl: d.url });
    await assert.rejects(client.getRun("run_missing"), (err: unknown) => {
      assert.ok(err instanceof AgentdApiError);
      assert.equal(err.status, 404);
      assert.equal(err.code, "not_found");
      assert.match(err.message, /run run_missing not found/);
      return true;
    });
    await assert.rejects(client.createSession({ provider: "NOT VALID" }), (err: unknown) => {
      assert.ok(err instanceof AgentdApiError);
      assert.equal(err.code, "validation_error");
      assert.ok(err.details !== undefined);
      return true;
    });
  });

  it("throws DaemonUnreachableError naming the URL when nothing answers", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const client = new AgentdClient({ baseUrl: `http://127.0.0.1:${port}/`, retries: 1, retryDelayMs: 10 });
    await assert.rejects(client.health(), (err: unknown) => {
      assert.ok(err instanceof DaemonUnreachableError);
      assert.equal(err.url, `http://127.0.0.1:${port}`);
      assert.match(err.message, /ECONNREFUSED/);
      return true;
    });
  });
});
