import { AgentdError, TERMINAL_STATUSES, Type, definePlugin, type AgentdState } from "@agentd/core";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

const SECONDS = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
const SYNC_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const seconds = (from: string | null, to: string | null): number | null => (from && to ? Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000) : null);

/**
 * Prometheus metrics at `GET /metrics` (admin tokens only; docs/runbook.md "Metrics"). Everything
 * is either observed from hooks (no work added to the request path) or computed at scrape time.
 */
export default definePlugin({
  name: "metrics",
  version: "0.1.0",
  description: "Prometheus metrics at GET /metrics (admin): runs by state and provider, queue wait, run duration, streams, storage sync",
  configSchema: Type.Object({ processMetrics: Type.Boolean({ default: true }) }, { additionalProperties: false }),
  options: [{ flag: "--metrics-process", env: ["AGENTD_METRICS_PROCESS"], key: "processMetrics", type: "boolean", description: "include Node process metrics (CPU, memory, event loop lag) in GET /metrics (default true)" }],
  apply(gateway, config) {
    const registry = new Registry();
    if (config.processMetrics) collectDefaultMetrics({ register: registry, prefix: "agentd_" });
    const services = () => gateway.services;

    new Gauge({
      name: "agentd_runs", help: "Runs stored, by state and provider (requested provider until one is chosen)", labelNames: ["state", "provider"], registers: [registry],
      collect() {
        this.reset();
        // One grouped read per scrape: the counts survive restarts, unlike counters.
        for (const row of services().db.read.all("SELECT status, COALESCE(provider, requested_provider) AS provider, COUNT(*) AS n FROM runs GROUP BY status, COALESCE(provider, requested_provider)")) {
          this.set({ state: String(row.status), provider: String(row.provider) }, Number(row.n));
        }
      },
    });
    const ended = new Counter({ name: "agentd_runs_ended_total", help: "Runs that reached a terminal state since the daemon started", labelNames: ["state", "provider"], registers: [registry] });
    const queueWait = new Histogram({ name: "agentd_run_queue_wait_seconds", help: "Time from queued to started", labelNames: ["provider"], buckets: SECONDS, registers: [registry] });
    const duration = new Histogram({ name: "agentd_run_duration_seconds", help: "Time from started to terminal", labelNames: ["provider", "state"], buckets: SECONDS, registers: [registry] });
    const syncLatency = new Histogram({ name: "agentd_storage_sync_seconds", help: "Time to make a batch of transactions durable (write + sync), if the storage reports it", buckets: SYNC_SECONDS, registers: [registry] });
    new Gauge({
      name: "agentd_open_streams", help: "Open event streams per transport", labelNames: ["transport"], registers: [registry],
      collect() {
        this.reset();
        for (const t of gateway.transports.list()) this.set({ transport: t.name }, Number(t.describe().connections ?? 0));
      },
    });
    new Gauge({
      name: "agentd_stream_buffered_bytes", help: "Bytes buffered for slow stream clients per transport", labelNames: ["transport"], registers: [registry],
      collect() {
        this.reset();
        for (const t of gateway.transports.list()) this.set({ transport: t.name }, Number(t.describe().buffered_bytes ?? 0));
      },
    });
    new Gauge({ name: "agentd_event_log_last_seq", help: "Newest durable event seq", registers: [registry], collect() { this.set(services().events.durableSeq); } });
    new Gauge({ name: "agentd_workers_alive", help: "Run workers alive", registers: [registry], collect() { this.set(services().queue.aliveWorkers); } });

    gateway.hooks.onRunStateChange.tap("metrics", ({ run, to }) => {
      const provider = run.provider ?? run.requested_provider;
      if (to === "running") {
        const wait = seconds(run.created_at, run.started_at);
        if (wait !== null) queueWait.observe({ provider }, wait);
      } else if (TERMINAL_STATUSES.includes(to)) {
        ended.inc({ state: to, provider });
        const d = seconds(run.started_at, run.ended_at);
        if (d !== null) duration.observe({ provider, state: to }, d);
      }
    });
    gateway.hooks.gatewayStart.tapPromise("metrics", async () => {
      gateway.storage.onSync?.((sample) => syncLatency.observe(sample.ms / 1000));
    });

    gateway.router.get("/metrics", async (ctx) => {
      if (!(ctx.state as AgentdState).principal.admin) throw new AgentdError("forbidden", "GET /metrics needs an admin token (--admin-token); metrics describe every principal's runs");
      ctx.set("content-type", registry.contentType);
      ctx.body = await registry.metrics();
    });
  },
});
