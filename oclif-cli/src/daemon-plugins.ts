/**
 * agentctl finds commands in the plugins the daemon loads: the same `--plugin`, AGENTD_PLUGINS and
 * config-file `plugins` list (core's plugin-list.ts). A listed package with `oclif.commands` is
 * added as a plugin of type "link", so nothing inside this repo is edited to add a command.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Plugin, type Config } from "@oclif/core";
import { CONFIG_ENV, configFilePlugins, mergePluginSpecs, pluginPackageRoot } from "@agentd/core/plugin-list";

/** Take agentctl's own leading `--plugin <spec>` / `--plugin=<spec>` flags out of argv. */
export function takePluginFlags(argv: readonly string[]): { specs: string[]; rest: string[] } {
  const specs: string[] = [];
  let i = 0;
  while (i < argv.length && (argv[i] === "--plugin" || argv[i].startsWith("--plugin="))) {
    if (argv[i].startsWith("--plugin=")) specs.push(argv[i].slice("--plugin=".length));
    else if (i + 1 < argv.length) specs.push(argv[++i]);
    i += 1;
  }
  return { specs, rest: argv.slice(i) };
}

/** Package roots (with agentctl commands) of the daemon's plugin list, as seen from `cwd`. */
export function commandPluginRoots(flagSpecs: readonly string[], env: NodeJS.ProcessEnv, cwd: string): string[] {
  const roots: string[] = [];
  for (const spec of mergePluginSpecs(configFilePlugins(env[CONFIG_ENV]), flagSpecs, env)) {
    const root = pluginPackageRoot(spec, cwd);
    if (!root || roots.includes(root)) continue;
    try {
      const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { oclif?: { commands?: unknown } };
      if (pkg.oclif?.commands) roots.push(root);
    } catch {
      /* not a package: the daemon reports it at boot */
    }
  }
  return roots;
}

/** oclif's Config keeps these private; they are how it adds any plugin's commands and topics. */
interface ConfigInternals {
  loadCommands(plugin: Plugin): void;
  loadTopics(plugin: Plugin): void;
}

export async function addCommandPlugins(config: Config, roots: readonly string[]): Promise<void> {
  for (const root of roots) {
    if ([...config.plugins.values()].some((p) => p.root === root)) continue;
    const plugin = new Plugin({ root, type: "link", respectNoCacheDefault: true });
    await plugin.load();
    if (config.plugins.has(plugin.name)) continue;
    config.plugins.set(plugin.name, plugin);
    (config as unknown as ConfigInternals).loadCommands(plugin);
    (config as unknown as ConfigInternals).loadTopics(plugin);
  }
}
