import type Router from "@koa/router";
import type { Gateway } from "../../kernel/gateway.ts";
import { EmptyQuery } from "../schemas.ts";
import { validateQuery } from "../validate.ts";
import { queueCounts } from "./diagnose.ts";
import { BUILD, VERSION } from "../../version.ts";

export function daemonRoutes(router: Router, gateway: Gateway): void {
  router.get("/health", (ctx) => {
    ctx.body = { ok: true, version: VERSION, build: BUILD };
  });

  router.get("/daemon/status", async (ctx) => {
    validateQuery(EmptyQuery, ctx.query);
    const { queue } = gateway.services;
    const storageHealth = gateway.storage.health();
    const problems: string[] = [];
    if (!storageHealth.ok) problems.push(`storage: ${storageHealth.reason ?? "unhealthy"}`);
    if (queue.aliveWorkers < queue.maxConcurrency) problems.push(`only ${queue.aliveWorkers} of ${queue.maxConcurrency} workers are alive: restart the daemon`);
    const providers = await Promise.all(
      gateway.providers.list().map(async (p) => {
        const a = p.availability ? await p.availability() : { ok: true };
        return { name: p.name, plugin: gateway.providers.ownerOf(p.name), available: a.ok, reason: a.ok ? null : a.reason ?? null, description: p.description ?? null };
      }),
    );
    ctx.body = {
      daemon_health: problems.length ? problems.join("; ") : "ok",
      alive_workers: queue.aliveWorkers,
      max_concurrency: queue.maxConcurrency,
      queue_counts: queueCounts(gateway),
      version: VERSION,
      build: BUILD,
      pid: process.pid,
      started_at: new Date(gateway.startedAt).toISOString(),
      uptime_s: Math.round((Date.now() - gateway.startedAt) / 1000),
      url: gateway.url,
      db_path: gateway.config.db,
      storage: { kind: gateway.storage.kind, ...gateway.storage.info(), health: storageHealth },
      auth_required: gateway.auth.required,
      plugins: gateway.plugins,
      providers,
      default_provider: "auto",
      transports: gateway.transports.list().map((t) => ({ name: t.name, ...t.describe() })),
      event_subscribers: gateway.services.events.subscriberCount,
      last_seq: gateway.services.events.durableSeq,
    };
  });
}
