import { readFileSync } from "node:fs";
import { Type, type Static } from "@sinclair/typebox";
import { normalizeOrigin } from "../http/request-guard.ts";
import { validateBody } from "../http/validate.ts";
import type { LogFormat, LogLevel } from "./logger.ts";
import type { PluginOption } from "../kernel/plugin.ts";
import { mergePluginSpecs } from "./plugin-list.ts";

/** The daemon's own settings. Plugin settings live in `pluginConfig[<plugin name>]`. */
export interface DaemonConfig {
  host: string;
  port: number;
  db: string;
  maxConcurrency: number;
  /** Extra plugin modules (paths or package names) loaded after the built-in defaults. */
  plugins: string[];
  noDefaultPlugins: boolean;
  configFile: string | null;
  logLevel: LogLevel;
  logFormat: LogFormat;
  maxBodyBytes: number;
  shutdownGraceMs: number;
  /** Resource limits: queued runs per session and per principal (429 beyond). */
  maxQueuedPerSession: number;
  maxQueuedPerPrincipal: number;
  /** Events older than this are deleted hourly; 0 keeps them forever. */
  eventRetentionDays: number;
  /** Open SSE/WS streams one principal may hold (429 beyond). */
  maxStreamsPerPrincipal: number;
  /** Web origins (besides the daemon's own) whose pages may call the daemon; normalized. */
  allowedOrigins: string[];
  /** Accept a non-loopback bind with no token (warned at start). */
  insecureOpen: boolean;
  /** Open connections in total (0: derived from the open-file limit) and per client IP. */
  maxConnections: number;
  maxConnectionsPerIp: number;
  /** Time allowed for the request headers, and for the whole request (headers and body). */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** Bytes queued for all stream clients together; past it the largest buffers are closed. */
  maxStreamBufferBytes: number;
  pluginConfig: Record<string, Record<string, unknown>>;
}

export const DEFAULTS: Omit<DaemonConfig, "pluginConfig" | "plugins" | "configFile" | "allowedOrigins"> = {
  host: "127.0.0.1",
  port: 8765,
  db: ".data/agent-orchestrator.db",
  maxConcurrency: 4,
  noDefaultPlugins: false,
  logLevel: "info",
  logFormat: "auto",
  maxBodyBytes: 1024 * 1024,
  shutdownGraceMs: 10_000,
  maxQueuedPerSession: 100,
  maxQueuedPerPrincipal: 1000,
  eventRetentionDays: 30,
  maxStreamsPerPrincipal: 1000,
  insecureOpen: false,
  maxConnections: 0,
  maxConnectionsPerIp: 2048,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxStreamBufferBytes: 256 * 1024 * 1024,
};

/** The config file (JSON): the same settings as the flags, plus per-plugin config. */
const ConfigFile = Type.Object(
  {
    host: Type.Optional(Type.String()),
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    db: Type.Optional(Type.String({ minLength: 1 })),
    maxConcurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 256 })),
    plugins: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    noDefaultPlugins: Type.Optional(Type.Boolean()),
    logLevel: Type.Optional(Type.Union([Type.Literal("debug"), Type.Literal("info"), Type.Literal("warn"), Type.Literal("error")])),
    logFormat: Type.Optional(Type.Union([Type.Literal("auto"), Type.Literal("json"), Type.Literal("text")])),
    maxBodyBytes: Type.Optional(Type.Integer({ minimum: 1024 })),
    shutdownGraceMs: Type.Optional(Type.Integer({ minimum: 0 })),
    maxQueuedPerSession: Type.Optional(Type.Integer({ minimum: 1 })),
    maxQueuedPerPrincipal: Type.Optional(Type.Integer({ minimum: 1 })),
    eventRetentionDays: Type.Optional(Type.Number({ minimum: 0 })),
    maxStreamsPerPrincipal: Type.Optional(Type.Integer({ minimum: 1 })),
    allowedOrigins: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    insecureOpen: Type.Optional(Type.Boolean()),
    maxConnections: Type.Optional(Type.Integer({ minimum: 0 })),
    maxConnectionsPerIp: Type.Optional(Type.Integer({ minimum: 1 })),
    headersTimeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
    requestTimeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
    maxStreamBufferBytes: Type.Optional(Type.Integer({ minimum: 65536 })),
    pluginConfig: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()))),
  },
  { additionalProperties: false },
);

/** The daemon's own flags. Plugins add theirs through `options` in their metadata. */
export const CORE_OPTIONS: readonly (PluginOption & { key: keyof DaemonConfig })[] = [
  { flag: "--host", env: ["AGENTD_HOST"], key: "host", type: "string", description: "address to listen on (default 127.0.0.1)" },
  { flag: "--port", env: ["AGENTD_PORT"], key: "port", type: "number", description: "port to listen on (default 8765; 0 picks a free port)" },
  { flag: "--db", env: ["AGENTD_DB"], key: "db", type: "string", description: "database file (default .data/agent-orchestrator.db)" },
  { flag: "--max-concurrency", env: ["AGENTD_MAX_CONCURRENCY"], key: "maxConcurrency", type: "number", description: "worker pool size (default 4)" },
  { flag: "--plugin", env: ["AGENTD_PLUGINS"], key: "plugins", type: "string[]", description: "load a plugin: a package folder, an entry file or a package name; repeatable" },
  { flag: "--no-default-plugins", key: "noDefaultPlugins", type: "boolean", description: "load only the plugins named with --plugin" },
  { flag: "--config", env: ["AGENTD_CONFIG"], key: "configFile", type: "string", description: "JSON config file" },
  { flag: "--log-level", env: ["AGENTD_LOG_LEVEL"], key: "logLevel", type: "string", description: "debug | info | warn | error" },
  { flag: "--log-format", env: ["AGENTD_LOG_FORMAT"], key: "logFormat", type: "string", description: "json | text | auto (default: text on a terminal, JSON lines otherwise)" },
  { flag: "--max-body-bytes", env: ["AGENTD_MAX_BODY_BYTES"], key: "maxBodyBytes", type: "number", description: "request body limit (default 1048576)" },
  { flag: "--shutdown-grace-ms", env: ["AGENTD_SHUTDOWN_GRACE_MS"], key: "shutdownGraceMs", type: "number", description: "how long running runs may finish on shutdown (default 10000)" },
  { flag: "--max-queued-per-session", env: ["AGENTD_MAX_QUEUED_PER_SESSION"], key: "maxQueuedPerSession", type: "number", description: "queued runs one session may have (default 100; 429 beyond)" },
  { flag: "--max-queued-per-principal", env: ["AGENTD_MAX_QUEUED_PER_PRINCIPAL"], key: "maxQueuedPerPrincipal", type: "number", description: "queued runs one principal may have (default 1000; 429 beyond)" },
  { flag: "--max-streams-per-principal", env: ["AGENTD_MAX_STREAMS_PER_PRINCIPAL"], key: "maxStreamsPerPrincipal", type: "number", description: "open SSE/WS streams one token may hold (default 1000; 429 beyond)" },
  { flag: "--allowed-origin", env: ["AGENTD_ALLOWED_ORIGINS"], key: "allowedOrigins", type: "string[]", description: "a web origin (e.g. https://ui.example.com) whose pages may call this daemon; repeatable. Others get 403; the daemon's own origin is always allowed" },
  { flag: "--insecure-open", env: ["AGENTD_INSECURE_OPEN"], key: "insecureOpen", type: "boolean", description: "allow a non-loopback --host with no token: anyone who reaches the port can run agents as you" },
  { flag: "--max-connections", env: ["AGENTD_MAX_CONNECTIONS"], key: "maxConnections", type: "number", description: "open connections in total (default: 3/4 of the open-file limit, 736 at ulimit -n 1024); more are closed at once" },
  { flag: "--max-connections-per-ip", env: ["AGENTD_MAX_CONNECTIONS_PER_IP"], key: "maxConnectionsPerIp", type: "number", description: "open connections from one client IP (default 2048: above the 1,000 streams one token may hold)" },
  { flag: "--headers-timeout-ms", env: ["AGENTD_HEADERS_TIMEOUT_MS"], key: "headersTimeoutMs", type: "number", description: "request line and headers must arrive within this (default 10000; 408 after)" },
  { flag: "--request-timeout-ms", env: ["AGENTD_REQUEST_TIMEOUT_MS"], key: "requestTimeoutMs", type: "number", description: "a whole request, headers and body, must arrive within this (default 30000; 408 after). Streams and waits are not limited" },
  { flag: "--max-stream-buffer-bytes", env: ["AGENTD_MAX_STREAM_BUFFER_BYTES"], key: "maxStreamBufferBytes", type: "number", description: "bytes queued for all stream clients together; past it the largest buffers are closed with their resume cursor (default 268435456 = 256 MiB)" },
  { flag: "--event-retention-days", env: ["AGENTD_EVENT_RETENTION_DAYS"], key: "eventRetentionDays", type: "number", description: "delete events older than this many days (default 30; 0 keeps all)" },
];

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Convert raw strings for one option; throws naming the flag or env variable. A repeated flag
 * gives one list item per use (values may contain commas); an env variable holds a comma list.
 */
export function coerceOption(option: PluginOption, raw: readonly string[], source: string, fromEnv = false): unknown {
  switch (option.type) {
    case "string[]":
      return fromEnv ? raw.flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean) : [...raw];
    case "number": {
      const n = Number(raw[raw.length - 1]);
      if (!Number.isFinite(n)) throw new ConfigError(`${source} expects a number, got "${raw[raw.length - 1]}"`);
      return n;
    }
    case "boolean": {
      const v = raw[raw.length - 1].toLowerCase();
      if (!["true", "false", "1", "0", "yes", "no"].includes(v)) throw new ConfigError(`${source} expects true or false, got "${v}"`);
      return ["true", "1", "yes"].includes(v);
    }
    default:
      return raw[raw.length - 1];
  }
}

/** Value of an option from flags, else env; undefined when neither sets it. */
export function optionValue(option: PluginOption, flags: ReadonlyMap<string, string[]>, env: NodeJS.ProcessEnv): unknown {
  const fromFlag = flags.get(option.flag);
  if (fromFlag) return coerceOption(option, fromFlag, option.flag);
  const set = (option.env ?? []).filter((name) => env[name] !== undefined && env[name] !== "");
  if (set.length === 0) return undefined;
  // A list option gathers every variable it names (AGENTD_AUTH_TOKEN plus AGENTD_AUTH_TOKENS).
  if (option.type === "string[]") return coerceOption(option, set.map((name) => env[name]!), set.join(", "), true);
  return coerceOption(option, [env[set[0]]!], set[0], true);
}

export function readConfigFile(path: string): Static<typeof ConfigFile> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  try {
    return validateBody(ConfigFile, parsed);
  } catch (err) {
    throw new ConfigError(`config file ${path}: ${(err as Error).message.replace("invalid request body: ", "")}`);
  }
}

/** Flags beat env beat the config file beat defaults. */
export function resolveDaemonConfig(flags: ReadonlyMap<string, string[]>, env: NodeJS.ProcessEnv): DaemonConfig {
  const configOpt = CORE_OPTIONS.find((o) => o.key === "configFile")!;
  const configFile = (optionValue(configOpt, flags, env) as string | undefined) ?? null;
  const file = configFile ? readConfigFile(configFile) : {};
  const config: DaemonConfig = { ...DEFAULTS, ...file, plugins: file.plugins ?? [], allowedOrigins: file.allowedOrigins ?? [], configFile, pluginConfig: file.pluginConfig ?? {} } as DaemonConfig;
  for (const option of CORE_OPTIONS) {
    if (option.key === "configFile" || option.key === "plugins") continue;
    const value = optionValue(option, flags, env);
    if (value === undefined) continue;
    (config as unknown as Record<string, unknown>)[option.key] = value;
  }
  // The same list agentctl reads to find plugin commands (plugin-list.ts).
  config.plugins = mergePluginSpecs(config.plugins, flags.get("--plugin"), env);
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) throw new ConfigError(`--port must be an integer from 0 to 65535, got ${config.port}`);
  if (!Number.isInteger(config.maxConcurrency) || config.maxConcurrency < 1) throw new ConfigError(`--max-concurrency must be a positive integer, got ${config.maxConcurrency}`);
  for (const key of ["maxQueuedPerSession", "maxQueuedPerPrincipal", "maxStreamsPerPrincipal"] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) throw new ConfigError(`${key} must be a positive integer, got ${config[key]}`);
  }
  checkNetworkLimits(config);
  if (!Number.isInteger(config.maxStreamBufferBytes) || config.maxStreamBufferBytes < 65536) throw new ConfigError(`--max-stream-buffer-bytes must be an integer of at least 65536, got ${config.maxStreamBufferBytes}`);
  if (!(config.eventRetentionDays >= 0)) throw new ConfigError(`--event-retention-days must be 0 (keep all) or more, got ${config.eventRetentionDays}`);
  if (!["debug", "info", "warn", "error"].includes(config.logLevel)) throw new ConfigError(`--log-level must be debug, info, warn or error, got "${config.logLevel}"`);
  if (!["auto", "json", "text"].includes(config.logFormat)) throw new ConfigError(`--log-format must be json, text or auto, got "${config.logFormat}"`);
  return config;
}

/** The HTTP hardening settings (docs/runbook.md, "Running agentd beyond loopback safely"). */
function checkNetworkLimits(config: DaemonConfig): void {
  config.allowedOrigins = config.allowedOrigins.map((value) => {
    const origin = normalizeOrigin(value);
    if (origin === null) throw new ConfigError(`--allowed-origin expects a web origin like https://ui.example.com or http://localhost:3000 (scheme, host, optional port; no path), got "${value}"`);
    return origin;
  });
  for (const key of ["maxConnectionsPerIp", "headersTimeoutMs", "requestTimeoutMs"] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) throw new ConfigError(`${key} must be a positive integer, got ${config[key]}`);
  }
  if (!Number.isInteger(config.maxConnections) || config.maxConnections < 0) throw new ConfigError(`--max-connections must be 0 (derive from ulimit -n) or a positive integer, got ${config.maxConnections}`);
}
