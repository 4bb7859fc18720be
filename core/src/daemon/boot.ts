import type { AddressInfo } from "node:net";
import { AgentdError } from "../errors.ts";
import { buildHttpApp } from "../http/app.ts";
import { answerClientErrors } from "../http/client-errors.ts";
import { pidAlive } from "../http/routes/diagnose.ts";
import { Gateway } from "../kernel/gateway.ts";
import { checkUnknownFlags, loadPlugins, type PluginSource } from "../kernel/plugin-loader.ts";
import { createServices } from "../kernel/services.ts";
import type { Logger } from "../providers/types.ts";
import { MIGRATIONS } from "../storage/migrations.ts";
import { applyPluginMigrations } from "../storage/plugin-migrations.ts";
import { CORE_OPTIONS, resolveDaemonConfig, tokenizeArgv, type DaemonConfig } from "./config.ts";
import { DEFAULT_PLUGINS } from "./default-plugins.ts";
import { findRunProcesses, killProcessTree } from "./orphans.ts";
import { createLogger } from "./logger.ts";

export interface RunningDaemon {
  gateway: Gateway;
  url: string;
  stop(reason?: string): Promise<void>;
}

export interface StartOptions {
  argv?: readonly string[];
  env?: NodeJS.ProcessEnv;
  log?: Logger;
}

/** Boot the gateway: config, plugins, storage, recovery, HTTP, workers. Throws with a clear message. */
export async function startDaemon(opts: StartOptions = {}): Promise<RunningDaemon> {
  const argv = opts.argv ?? [];
  const env = opts.env ?? process.env;
  const config = resolveDaemonConfig(tokenizeArgv(argv), env);
  const log = opts.log ?? createLogger(config.logLevel, { format: config.logFormat });
  const gateway = new Gateway(config, log);

  const sources = pluginSources(config);
  const plugins = await loadPlugins(gateway, sources, argv, env);
  checkUnknownFlags(argv, new Set([...CORE_OPTIONS.map((o) => o.flag), ...plugins.flatMap((p) => (p.options ?? []).map((o) => o.flag))]));

  const storage = gateway.storage;
  await storage.open();
  await storage.migrate(MIGRATIONS);
  for (const plugin of plugins) {
    for (const version of await applyPluginMigrations(storage, plugin.name, plugin.migrations ?? [])) log.info("applied plugin migration", { plugin: plugin.name, version });
  }
  const services = createServices(gateway, log);
  gateway.attachServices(services);
  await recoverInterruptedRuns(gateway, log);

  buildHttpApp(gateway);
  const server = gateway.app.listen({ port: config.port, host: config.host });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "EADDRINUSE" ? new Error(`port ${config.port} on ${config.host} is in use: another agentd may be running (agentctl daemon status), or pick --port`) : err),
    );
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0; // long-polls and streams
  answerClientErrors(server);
  gateway.attachServer(server);
  await gateway.hooks.gatewayStart.promise();
  services.queue.start();

  const housekeeping = async (): Promise<void> => {
    try {
      await services.db.write((w) => services.idempotency.purgeExpired(w.tx));
      const purged = await services.retention.purge();
      if (purged) log.info("event retention deleted old events", { count: purged, through_seq: services.retention.watermark });
    } catch (err) {
      log.warn("housekeeping failed; it runs again in an hour", { err: String(err) });
    }
  };
  void housekeeping();
  const purge = setInterval(() => void housekeeping(), 60 * 60 * 1000);
  purge.unref();

  const port = (server.address() as AddressInfo).port;
  log.info("agentd listening", { url: gateway.url, db: config.db, workers: config.maxConcurrency, plugins: gateway.plugins.map((p) => p.name), auth_required: gateway.auth.required });

  let stopping: Promise<void> | null = null;
  const stop = (reason = "shutdown"): Promise<void> =>
    (stopping ??= (async () => {
      log.info("agentd stopping", { reason });
      clearInterval(purge);
      server.close();
      server.closeIdleConnections();
      const active = [...services.executor.active.values()];
      const queueStopped = services.queue.stop();
      const graceful = await Promise.race([
        Promise.all(active.map((a) => a.done)).then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), config.shutdownGraceMs).unref()),
      ]);
      if (!graceful) {
        const why = `the daemon shut down (${reason}) before the run finished; send the message again`;
        await Promise.all([...services.executor.active.keys()].map((id) => services.executor.stop(id, { status: "failed", by: "daemon", reason: why }, 5_000)));
      }
      await queueStopped;
      await gateway.hooks.gatewayStop.promise();
      for (const t of gateway.transports.list()) await t.close?.();
      server.closeAllConnections();
      await storage.checkpoint();
      await storage.close();
      log.info("agentd stopped");
    })());
  return { gateway, url: `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`, stop };
}

/** The built-ins (unless --no-default-plugins) followed by --plugin / config file modules. */
export function pluginSources(config: Pick<DaemonConfig, "noDefaultPlugins" | "plugins">): PluginSource[] {
  return [
    ...(config.noDefaultPlugins ? [] : DEFAULT_PLUGINS.map((spec) => ({ spec, builtin: true }))),
    ...config.plugins.map((spec) => ({ spec, builtin: false })),
  ];
}

/** A run left `running` by a dead daemon is failed (and its process killed); queued runs just run again. */
async function recoverInterruptedRuns(gateway: Gateway, log: Logger): Promise<void> {
  const { runs } = gateway.services;
  // Children whose pid never became durable (or whose run's "running" mark was lost) are found by
  // the run id in their environment.
  const unfinished = new Set([...runs.listByStatus("running"), ...runs.listByStatus("queued")].map((r) => r.id));
  for (const orphan of findRunProcesses(unfinished)) {
    killProcessTree(orphan.pid);
    log.warn("killed a process left by an interrupted run", { run_id: orphan.runId, pid: orphan.pid });
  }
  for (const run of runs.listByStatus("running")) {
    let killed = "";
    if (run.pid && pidAlive(run.pid)) {
      try {
        process.kill(-run.pid, "SIGKILL");
      } catch {
        try {
          process.kill(run.pid, "SIGKILL");
        } catch {
          /* already gone */
        }
      }
      killed = ` (its process ${run.pid} was killed)`;
    }
    const error = `the daemon restarted while this run was running${killed}; send the message again`;
    await runs.finish(run, { status: "failed", error, data: { recovered: true } });
    log.warn("recovered interrupted run", { run_id: run.id, error });
  }
}

export { AgentdError };
