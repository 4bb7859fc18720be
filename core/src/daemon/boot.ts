import type { AddressInfo } from "node:net";
import { AgentdError } from "../errors.ts";
import { buildHttpApp } from "../http/app.ts";
import { createHttpServer } from "../http/server.ts";
import { Gateway } from "../kernel/gateway.ts";
import { isLoopbackHost } from "../kernel/loopback.ts";
import { importPlugins, loadPlugins, type PluginSource } from "../kernel/plugin-loader.ts";
import { createServices } from "../kernel/services.ts";
import type { Logger } from "../providers/types.ts";
import { MIGRATIONS } from "../storage/migrations.ts";
import { applyPluginMigrations } from "../storage/plugin-migrations.ts";
import { parseFlags } from "./argv.ts";
import { CORE_OPTIONS, ConfigError, resolveDaemonConfig, type DaemonConfig } from "./config.ts";
import { DEFAULT_PLUGINS } from "./default-plugins.ts";
import { recoverInterruptedRuns } from "./orphans.ts";
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

/** A start-up failure with a message meant for the operator: printed as one line, no stack. */
export class StartupError extends Error {
  override name = "StartupError";
}

/** Undo steps of a start that failed, newest first. */
type Undo = Array<{ what: string; run: () => unknown }>;

/**
 * Boot the gateway: config, plugins, storage, recovery, HTTP, workers. Throws with a clear message;
 * a failure at any step first undoes the steps before it (server closed, workers stopped, storage
 * closed), so a failed start never leaves a half-running daemon behind.
 */
export async function startDaemon(opts: StartOptions = {}): Promise<RunningDaemon> {
  const argv = opts.argv ?? [];
  const env = opts.env ?? process.env;
  const { flags, config } = await resolveArgs(argv, env);
  const log = opts.log ?? createLogger(config.logLevel, { format: config.logFormat });
  const gateway = new Gateway(config, log);
  const undo: Undo = [];
  try {
    return await boot(gateway, config, flags, env, log, undo);
  } catch (err) {
    for (const step of undo.reverse()) {
      try {
        await step.run();
      } catch (undoErr) {
        log.warn("while undoing a failed start", { step: step.what, err: String(undoErr) });
      }
    }
    throw err;
  }
}

async function boot(gateway: Gateway, config: DaemonConfig, flags: Map<string, string[]>, env: NodeJS.ProcessEnv, log: Logger, undo: Undo): Promise<RunningDaemon> {
  const sources = pluginSources(config);
  const plugins = await loadPlugins(gateway, sources, flags, env);
  refuseOpenExposure(config, gateway.auth.required, log);

  const storage = gateway.storage;
  // A storage whose open() failed cleans up after itself (and the process exits).
  await storage.open().catch((err: unknown) => {
    throw isProgrammingError(err) ? err : new StartupError(`cannot open the database ${config.db}: ${(err as Error).message}`, { cause: err });
  });
  undo.push({ what: "close storage", run: () => storage.close() });
  await storage.migrate(MIGRATIONS).catch((err: unknown) => {
    throw isProgrammingError(err) ? err : new StartupError(`cannot migrate the database ${config.db}: ${(err as Error).message}`, { cause: err });
  });
  for (const plugin of plugins) {
    for (const version of await applyPluginMigrations(storage, plugin.name, plugin.migrations ?? [])) log.info("applied plugin migration", { plugin: plugin.name, version });
  }
  await gateway.hooks.storageReady.promise();
  const services = createServices(gateway, log);
  gateway.attachServices(services);
  await recoverInterruptedRuns(gateway, log);

  buildHttpApp(gateway);
  const server = createHttpServer(gateway.app.callback(), config, log).listen({ port: config.port, host: config.host });
  undo.push({
    what: "close the HTTP server",
    run: () => {
      server.close();
      server.closeAllConnections();
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "EADDRINUSE"
          ? new StartupError(`port ${config.port} on ${config.host} is in use: another agentd may be running on this port (agentctl daemon status); stop it or pick --port`)
          : new StartupError(`cannot listen on ${config.host}:${config.port} (${err.code ?? err.message}): check --host and --port (ports below 1024 need privileges)`, { cause: err }),
      ),
    );
  });
  gateway.attachServer(server);
  undo.push({ what: "close transports", run: async () => {
    for (const t of gateway.transports.list()) await t.close?.();
  } });
  // Plugins whose gatewayStart tap ran may hold resources; let them release them.
  undo.push({ what: "gatewayStop taps", run: () => gateway.hooks.gatewayStop.promise() });
  await gateway.hooks.gatewayStart.promise().catch((err: unknown) => {
    throw new StartupError(`a gatewayStart tap failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  });
  undo.push({ what: "stop the run queue", run: () => services.queue.stop() });
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
  const fields = { db: config.db, workers: config.maxConcurrency, plugins: gateway.plugins.map((p) => p.name), auth_required: gateway.auth.required };
  // Pages come right after the URL (people look there first); they never replace a core field.
  const pages = Object.fromEntries([...gateway.pages].filter(([name]) => name !== "url" && !(name in fields)).map(([name, path]) => [name, gateway.url + path]));
  log.info("agentd listening", { url: gateway.url, ...pages, ...fields });

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

/** An open daemon (no token) on a non-loopback address lets anyone who reaches the port run agents as you. */
function refuseOpenExposure(config: DaemonConfig, authRequired: boolean, log: Logger): void {
  if (authRequired || isLoopbackHost(config.host)) return;
  if (!config.insecureOpen) {
    throw new ConfigError(
      `refusing to listen on ${config.host} with no token: anyone who can reach that address could run agents with your files and credentials. Configure a token (--auth-token-file / --auth-token), bind loopback (--host 127.0.0.1), or pass --insecure-open if this network is yours alone`,
    );
  }
  log.warn(`INSECURE: agentd listens on ${config.host} with no token (--insecure-open): anyone who can reach this port can run agents with your files and credentials; configure --auth-token-file unless this network is yours alone`);
}

/**
 * Flags and config. Which plugins load (and so which flags exist) depends on the core flags, so
 * those are read first, skipping the rest; then every flag is parsed strictly.
 */
export async function resolveArgs(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<{ flags: Map<string, string[]>; config: DaemonConfig }> {
  const early = resolveDaemonConfig(parseFlags(argv, CORE_OPTIONS, { ignoreUnknown: true }), env);
  const plugins = await importPlugins(pluginSources(early));
  const flags = parseFlags(argv, [...CORE_OPTIONS, ...plugins.flatMap(({ plugin }) => plugin.options ?? [])]);
  return { flags, config: resolveDaemonConfig(flags, env) };
}

/** The built-ins (unless --no-default-plugins) followed by --plugin / config file modules. */
export function pluginSources(config: Pick<DaemonConfig, "noDefaultPlugins" | "plugins">): PluginSource[] {
  return [
    ...(config.noDefaultPlugins ? [] : DEFAULT_PLUGINS.map((spec) => ({ spec, builtin: true }))),
    ...config.plugins.map((spec) => ({ spec, builtin: false })),
  ];
}

/** Bugs keep their stack; failures of the environment (files, permissions, data) are one line. */
function isProgrammingError(err: unknown): boolean {
  return err instanceof TypeError || err instanceof ReferenceError || err instanceof SyntaxError || err instanceof RangeError;
}

export { AgentdError };
