import type { Static, TObject } from "@sinclair/typebox";
import type { Migration } from "../storage/types.ts";
import type { Gateway } from "./gateway.ts";

/**
 * A daemon flag (and env variable) a plugin contributes. The kernel parses it and hands the value
 * to the plugin as `config[key]`, with precedence flag > env > config file > schema default.
 */
export interface PluginOption {
  flag: `--${string}`;
  /** Environment variables, first match wins; for "string[]" a value may hold a comma-separated list. */
  env?: readonly string[];
  key: string;
  type: "string" | "number" | "boolean" | "string[]";
  description: string;
  /**
   * The value is a credential: its env variables are removed from the daemon's environment once
   * read, so no process the daemon starts inherits them (docs/reliability.md, Security).
   */
  secret?: boolean;
}

/** What `apply` receives besides the gateway: the plugin's validated config. */
export interface AgentdPlugin<Config = Record<string, unknown>> {
  /** Unique; used in errors, logs, config (`plugins.<name>`) and `GET /daemon/status`. */
  name: string;
  version?: string;
  description?: string;
  /** Names of plugins that must be applied first; boot fails naming the missing one. */
  dependsOn?: readonly string[];
  /** JSON Schema (TypeBox) of the config; validated at boot, defaults applied. */
  configSchema?: TObject;
  options?: readonly PluginOption[];
  /**
   * The plugin's own tables: applied in version order after core's migrations, before
   * `gatewayStart`. Versions count per plugin (start at 1); never edit a released one.
   */
  migrations?: readonly Migration[];
  apply(gateway: Gateway, config: Config): void | Promise<void>;
}

/**
 * Define a plugin with a typed config derived from its schema:
 *
 *   export default definePlugin({
 *     name: "my-provider",
 *     configSchema: Type.Object({ greeting: Type.String({ default: "hi" }) }),
 *     apply(gateway, config) { gateway.providers.register({ name: "my", run: async () => ({ text: config.greeting }) }); },
 *   });
 */
export function definePlugin<S extends TObject>(
  plugin: Omit<AgentdPlugin<Static<S>>, "configSchema"> & { configSchema: S },
): AgentdPlugin<Static<S>>;
export function definePlugin(plugin: Omit<AgentdPlugin<Record<string, never>>, "configSchema">): AgentdPlugin<Record<string, never>>;
export function definePlugin(plugin: AgentdPlugin<never>): AgentdPlugin<never> {
  return Object.freeze(plugin);
}

export class PluginError extends Error {
  constructor(readonly pluginName: string, message: string) {
    super(`plugin "${pluginName}": ${message}`);
    this.name = "PluginError";
  }
}
