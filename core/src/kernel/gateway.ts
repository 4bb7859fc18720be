import type { Server } from "node:http";
import Router from "@koa/router";
import Koa from "koa";
import type { Logger, Provider } from "../providers/types.ts";
import type { Storage } from "../storage/types.ts";
import type { ToolDefinition } from "../providers/tools.ts";
import type { DaemonConfig } from "../daemon/config.ts";
import type { Run } from "../types.ts";
import { AuthService, type Authenticator } from "./auth.ts";
import { createHooks, type GatewayHooks } from "./hooks.ts";
import { Registry } from "./registry.ts";
import type { Services } from "./services.ts";

/** A transport serves the event log to clients (SSE, WebSocket, ...). */
export interface Transport {
  readonly name: string;
  /** Live facts for `GET /daemon/status` (e.g. open connections). */
  describe(): Record<string, unknown>;
  /** Close every connection (server shutdown). */
  close?(): Promise<void>;
}

/** Facts a plugin adds to `GET /runs/:id/diagnose`, under `diagnostics[name]` (e.g. webhook deliveries). */
export interface RunDiagnostics {
  readonly name: string;
  forRun(run: Run): Record<string, unknown> | unknown[];
}

/** A plugin as loaded: its metadata, for status and the CLI's plugin listing. */
export interface LoadedPlugin {
  name: string;
  version: string | null;
  description: string | null;
  source: string;
}

/**
 * What a plugin's `apply(gateway)` receives: the whole extension surface.
 * - `hooks`: tap to observe or change behaviour (see hooks.ts for each hook's contract).
 * - `providers`, `transports`, `tools`, `diagnostics`: typed registries.
 * - `useStorage`, `useAuth`: exactly one each.
 * - `router`: add HTTP routes (they run behind auth, validation and the error mapper).
 * - `publicPaths`, `pages`: static pages served without a token, and where they are.
 * - `services`: sessions, runs, events (available from `hooks.gatewayStart` on).
 */
export class Gateway {
  readonly hooks: GatewayHooks = createHooks();
  readonly providers = new Registry<Provider>("provider");
  readonly transports = new Registry<Transport>("transport");
  readonly tools = new Registry<ToolDefinition>("tool");
  readonly diagnostics = new Registry<RunDiagnostics>("diagnostic");
  readonly auth = new AuthService();
  readonly app = new Koa();
  readonly router = new Router();
  readonly plugins: LoadedPlugin[] = [];
  /** Exact paths a plugin serves without a token: static pages and assets only, never data. */
  readonly publicPaths = new Set<string>();
  /** Browser pages plugins serve (name -> path); the start log line prints each as `name=<url>`. */
  readonly pages = new Map<string, string>();
  readonly startedAt = Date.now();
  private storageImpl: Storage | null = null;
  private servicesImpl: Services | null = null;
  private serverImpl: Server | null = null;
  private urlCache: string | null = null;

  constructor(
    readonly config: DaemonConfig,
    readonly log: Logger,
  ) {}

  useStorage(storage: Storage): void {
    if (this.storageImpl) throw new Error(`a storage ("${this.storageImpl.kind}") is already registered`);
    this.storageImpl = storage;
  }

  useAuth(authenticator: Authenticator): void {
    this.auth.use(authenticator);
  }

  get storage(): Storage {
    if (!this.storageImpl) throw new Error("no storage plugin is loaded: add one (the default is storage-sqljs)");
    return this.storageImpl;
  }

  get hasStorage(): boolean {
    return this.storageImpl !== null;
  }

  get services(): Services {
    if (!this.servicesImpl) throw new Error("services are available once the gateway has opened storage (tap hooks.gatewayStart)");
    return this.servicesImpl;
  }

  /** Set by the daemon once storage is open. */
  attachServices(services: Services): void {
    this.servicesImpl = services;
  }

  get server(): Server {
    if (!this.serverImpl) throw new Error("the HTTP server is available from hooks.gatewayStart on");
    return this.serverImpl;
  }

  attachServer(server: Server): void {
    this.serverImpl = server;
  }

  /** Base URL clients (and runs' own agentctl) use to reach this daemon; fixed once listening. */
  get url(): string {
    if (this.urlCache) return this.urlCache;
    const addr = this.serverImpl?.address();
    const port = addr && typeof addr === "object" ? addr.port : this.config.port;
    const host = this.config.host === "0.0.0.0" || this.config.host === "::" ? "127.0.0.1" : this.config.host;
    const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    if (addr) this.urlCache = url;
    return url;
  }
}
