import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Ajv } from "ajv";
import { toIssues } from "../http/validate.ts";
import { ConfigError, optionValue } from "../daemon/config.ts";
import type { Gateway } from "./gateway.ts";
import { PluginError, type AgentdPlugin } from "./plugin.ts";

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });

export interface PluginSource {
  /** What the operator wrote: a path, a package name, or a built-in's package. */
  spec: string;
  builtin: boolean;
}

/** Resolve a plugin spec the way an operator means it: paths from the working directory, packages from there too. */
/** A package folder's entry: `exports["."]` (or a string `exports`), else `main`, else index.ts/js. */
function packageEntry(dir: string): string {
  let pkg: { exports?: string | Record<string, unknown>; main?: string } = {};
  try {
    pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as typeof pkg;
  } catch {
    /* no package.json: fall back to an index file */
  }
  const dot = typeof pkg.exports === "string" ? pkg.exports : pkg.exports?.["."];
  const entry = (typeof dot === "string" ? dot : undefined) ?? pkg.main ?? (existsSync(join(dir, "index.ts")) ? "index.ts" : "index.js");
  return join(dir, entry);
}

async function importSpec(spec: string, cwd: string): Promise<unknown> {
  if (spec.startsWith(".") || isAbsolute(spec)) {
    const path = resolve(cwd, spec);
    return import(pathToFileURL(existsSync(path) && statSync(path).isDirectory() ? packageEntry(path) : path).href);
  }
  try {
    const resolved = createRequire(join(cwd, "noop.js")).resolve(spec);
    return import(pathToFileURL(resolved).href);
  } catch {
    return import(spec); // a package resolvable from agentd itself (the built-ins)
  }
}

function asPlugins(mod: unknown, spec: string): AgentdPlugin[] {
  const m = mod as { default?: unknown; plugin?: unknown };
  const candidate = m.default ?? m.plugin ?? mod;
  const list = Array.isArray(candidate) ? candidate : [candidate];
  return list.map((p) => checkMetadata(p, spec));
}

/** Fastify-style metadata check: a misconfigured plugin fails at boot with a clear message. */
function checkMetadata(p: unknown, spec: string): AgentdPlugin {
  const plugin = p as Partial<AgentdPlugin>;
  if (!plugin || typeof plugin !== "object") throw new PluginError(spec, "the module must export a plugin object (default export, made with definePlugin)");
  const name = typeof plugin.name === "string" ? plugin.name : spec;
  if (typeof plugin.name !== "string" || !/^[a-z0-9][a-z0-9-]*$/.test(plugin.name)) throw new PluginError(name, `"name" must be a lowercase string like "my-provider" (module ${spec})`);
  if (typeof plugin.apply !== "function") throw new PluginError(name, `"apply" must be a function (module ${spec})`);
  if (plugin.dependsOn && (!Array.isArray(plugin.dependsOn) || plugin.dependsOn.some((d) => typeof d !== "string"))) throw new PluginError(name, `"dependsOn" must be an array of plugin names`);
  if (plugin.configSchema && typeof plugin.configSchema !== "object") throw new PluginError(name, `"configSchema" must be a JSON Schema object`);
  if (plugin.options && !Array.isArray(plugin.options)) throw new PluginError(name, `"options" must be an array`);
  return plugin as AgentdPlugin;
}

/** Order plugins so each comes after what it depends on; name what is missing or circular. */
function orderByDependencies(plugins: AgentdPlugin[]): AgentdPlugin[] {
  const byName = new Map(plugins.map((p) => [p.name, p]));
  const ordered: AgentdPlugin[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (p: AgentdPlugin, chain: string[]): void => {
    if (state.get(p.name) === "done") return;
    if (state.get(p.name) === "visiting") throw new PluginError(p.name, `circular dependency: ${[...chain, p.name].join(" -> ")}`);
    state.set(p.name, "visiting");
    for (const dep of p.dependsOn ?? []) {
      const d = byName.get(dep);
      if (!d) throw new PluginError(p.name, `depends on plugin "${dep}", which is not loaded; load it with --plugin`);
      visit(d, [...chain, p.name]);
    }
    state.set(p.name, "done");
    ordered.push(p);
  };
  for (const p of plugins) visit(p, []);
  return ordered;
}

/** Import plugin modules and check their metadata (no config, no apply): for boot and `--help`. */
export async function importPlugins(sources: readonly PluginSource[], cwd = process.cwd()): Promise<{ plugin: AgentdPlugin; source: PluginSource }[]> {
  const found: { plugin: AgentdPlugin; source: PluginSource }[] = [];
  for (const source of sources) {
    let mod: unknown;
    try {
      mod = await importSpec(source.spec, cwd);
    } catch (err) {
      throw new PluginError(source.spec, `cannot load module: ${(err as Error).message}`);
    }
    for (const plugin of asPlugins(mod, source.spec)) {
      const dup = found.find((f) => f.plugin.name === plugin.name);
      if (dup) {
        if (dup.plugin === plugin) continue; // the same module named twice
        throw new PluginError(plugin.name, `loaded twice: from ${dup.source.spec} and from ${source.spec}`);
      }
      found.push({ plugin, source });
    }
  }
  return found;
}

/** A `pluginConfig` entry for a plugin that is not loaded is a typo or a missing `--plugin`: refuse it. */
export function checkPluginConfigKeys(keys: readonly string[], loaded: readonly string[]): void {
  const unknown = keys.filter((k) => !loaded.includes(k));
  if (unknown.length === 0) return;
  throw new ConfigError(
    `pluginConfig names ${unknown.map((k) => `"${k}"`).join(", ")}, which ${unknown.length === 1 ? "is not a loaded plugin" : "are not loaded plugins"}; ` +
      `loaded: ${loaded.join(", ")}. Fix the name in the config file or load the plugin with --plugin.`,
  );
}

/** Import, check, order, configure and apply plugins. Any failure names the plugin and why. */
export async function loadPlugins(gateway: Gateway, sources: readonly PluginSource[], flags: ReadonlyMap<string, string[]>, env: NodeJS.ProcessEnv, cwd = process.cwd()): Promise<AgentdPlugin[]> {
  const found = await importPlugins(sources, cwd);
  const ordered = orderByDependencies(found.map((f) => f.plugin));
  checkPluginConfigKeys(Object.keys(gateway.config.pluginConfig), ordered.map((p) => p.name));
  for (const plugin of ordered) {
    const source = found.find((f) => f.plugin === plugin)!.source;
    const config: Record<string, unknown> = { ...(gateway.config.pluginConfig[plugin.name] ?? {}) };
    for (const option of plugin.options ?? []) {
      const value = optionValue(option, flags, env);
      if (value !== undefined) config[option.key] = value;
      if (option.secret) for (const name of option.env ?? []) delete env[name];
    }
    if (plugin.configSchema) {
      const validate = ajv.compile(plugin.configSchema);
      if (!validate(config)) {
        const issue = toIssues(validate.errors)[0];
        const key = issue?.additionalProperty ?? issue?.path.replace(/^\//, "") ?? "";
        const flag = plugin.options?.find((o) => o.key === key.split("/")[0])?.flag;
        const allowed = (validate.errors?.[0]?.params as { allowedValues?: unknown[] } | undefined)?.allowedValues;
        const choices = allowed ? `: ${allowed.map(String).join(", ")}` : "";
        throw new PluginError(plugin.name, `invalid config${key ? ` at "${key}"` : ""}${flag ? ` (${flag})` : ""}: ${issue?.message ?? "does not match its schema"}${choices}`);
      }
    }
    for (const registry of [gateway.providers, gateway.transports, gateway.tools, gateway.diagnostics]) registry.setOwner(plugin.name);
    try {
      await plugin.apply(gateway, config);
    } catch (err) {
      throw new PluginError(plugin.name, `apply failed: ${(err as Error).message}`);
    }
    gateway.plugins.push({ name: plugin.name, version: plugin.version ?? null, description: plugin.description ?? null, source: source.builtin ? `builtin:${source.spec}` : source.spec });
  }
  return ordered;
}
