import type Router from "@koa/router";
import type { Context } from "koa";
import type { Gateway } from "../../kernel/gateway.ts";
import type { Principal } from "../../types.ts";
import type { AgentdState } from "../middleware.ts";
import { EmptyQuery } from "../schemas.ts";
import { validateQuery } from "../validate.ts";
import { principalQueueCounts, queueCounts } from "./diagnose.ts";
import { BUILD, VERSION } from "../../version.ts";

/** What a non-admin is told about the parts of the status it does not get. */
const REDUCED_NOTE = "pid, paths, storage, plugins, transports, streams and daemon-wide counts need an admin token (--admin-token); queue_counts are this token's own runs";

export function daemonRoutes(router: Router, gateway: Gateway): void {
  router.get("/health", (ctx) => {
    ctx.body = { ok: true, version: VERSION, build: BUILD };
  });

  router.get("/daemon/status", async (ctx: Context) => {
    validateQuery(EmptyQuery, ctx.query);
    const principal = (ctx.state as AgentdState).principal;
    ctx.body = principal.admin ? await fullStatus(gateway) : await reducedStatus(gateway, principal);
  });
}

/** The facts every principal may have: enough for `agentctl daemon status` and an agent's preflight. */
async function commonStatus(gateway: Gateway, admin: boolean) {
  const { queue } = gateway.services;
  const storageHealth = gateway.storage.health();
  const problems: string[] = [];
  // The storage reason names files and paths: only an admin gets it.
  if (!storageHealth.ok) problems.push(admin ? `storage: ${storageHealth.reason ?? "unhealthy"}` : "storage: unhealthy (an admin token shows why)");
  if (queue.aliveWorkers < queue.maxConcurrency) problems.push(`only ${queue.aliveWorkers} of ${queue.maxConcurrency} workers are alive: restart the daemon`);
  const providers = await Promise.all(
    gateway.providers.list().map(async (p) => {
      const a = p.availability ? await p.availability() : { ok: true };
      return { name: p.name, plugin: gateway.providers.ownerOf(p.name), available: a.ok, reason: a.ok ? null : a.reason ?? null, description: p.description ?? null };
    }),
  );
  return {
    daemon_health: problems.length ? problems.join("; ") : "ok",
    alive_workers: queue.aliveWorkers,
    max_concurrency: queue.maxConcurrency,
    version: VERSION,
    build: BUILD,
    started_at: new Date(gateway.startedAt).toISOString(),
    uptime_s: Math.round((Date.now() - gateway.startedAt) / 1000),
    // The log's position: every client needs it to start a stream a little in the past (a cursor
    // past it is refused with the same number), so it is no admin detail.
    last_seq: gateway.services.events.durableSeq,
    url: gateway.url,
    auth_required: gateway.auth.required,
    providers,
    default_provider: "auto",
  };
}

async function reducedStatus(gateway: Gateway, principal: Principal) {
  return { ...(await commonStatus(gateway, false)), queue_counts: principalQueueCounts(gateway, principal), detail: "reduced", detail_note: REDUCED_NOTE };
}

async function fullStatus(gateway: Gateway) {
  const common = await commonStatus(gateway, true);
  return {
    ...common,
    queue_counts: queueCounts(gateway),
    pid: process.pid,
    db_path: gateway.config.db,
    storage: { kind: gateway.storage.kind, ...gateway.storage.info(), health: gateway.storage.health() },
    plugins: gateway.plugins,
    transports: gateway.transports.list().map((t) => ({ name: t.name, ...t.describe() })),
    streams: { ...gateway.services.streamBudget.describe(), open: gateway.services.streams.total, tickets_outstanding: gateway.auth.tickets.outstanding },
    event_subscribers: gateway.services.events.subscriberCount,
    detail: "full",
  };
}
