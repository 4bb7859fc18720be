/**
 * The plugin list operators write once and both programs read: `--plugin` (repeatable),
 * `AGENTD_PLUGINS` (comma list) and the config file's `plugins` (`--config` / `AGENTD_CONFIG`).
 * The daemon loads these modules; agentctl adds the agentctl commands of the same packages.
 * Kept free of heavy imports: agentctl reads it on every start.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, resolve } from "node:path";

export const PLUGINS_ENV = "AGENTD_PLUGINS";
export const CONFIG_ENV = "AGENTD_CONFIG";

/** File plugins first, then `--plugin` values, or AGENTD_PLUGINS when no `--plugin` is given. */
export function mergePluginSpecs(filePlugins: readonly string[], flagPlugins: readonly string[] | undefined, env: NodeJS.ProcessEnv): string[] {
  const fromEnv = (env[PLUGINS_ENV] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  return [...filePlugins, ...(flagPlugins && flagPlugins.length ? flagPlugins : fromEnv)];
}

/** The config file's `plugins` without validating the rest (the daemon validates it at boot). */
export function configFilePlugins(path: string | undefined): string[] {
  if (!path) return [];
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as { plugins?: unknown };
    return Array.isArray(parsed.plugins) ? parsed.plugins.filter((p): p is string => typeof p === "string") : [];
  } catch {
    return [];
  }
}

/** The package folder of a plugin spec (folder, entry file or package name, from `cwd`), or null. */
export function pluginPackageRoot(spec: string, cwd: string): string | null {
  let start: string;
  if (spec.startsWith(".") || isAbsolute(spec)) {
    const path = resolve(cwd, spec);
    if (!existsSync(path)) return null;
    start = statSync(path).isDirectory() ? path : dirname(path);
  } else {
    try {
      start = dirname(createRequire(join(cwd, "noop.js")).resolve(spec));
    } catch {
      return null;
    }
  }
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) return null;
  }
}
