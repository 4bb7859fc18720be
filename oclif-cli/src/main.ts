/** Entry point used by bin/agentctl: runs oclif from this package's root, whatever the cwd. */
import { register } from "node:module";
import { Config, flush, handle, run, settings } from "@oclif/core";
import { addCommandPlugins, commandPluginRoots, takePluginFlags } from "./daemon-plugins.ts";
import { dropStaleManifests, workspaceRoots, writeManifests } from "./manifest-cache.ts";

// tsx is registered by bin/agentctl, so every plugin's .ts commands load as they are (oclif would
// otherwise look for a compiled copy and warn "linked ESM module and cannot be auto-transpiled").
settings.enableAutoTranspile = false;
// A plugin folder without its own @agentd/cli borrows this one (see resolve-host.mjs).
register("./resolve-host.mjs", import.meta.url, { data: { parentURL: new URL("../package.json", import.meta.url).href } });

/** Global flags that take a value; they may come before the command (`agentctl --field run.id run get ...`). */
const GLOBAL_VALUE_FLAGS = new Set(["--url", "--auth-token", "--format", "--field"]);

/**
 * oclif reads the command id from the first arguments, so move leading global flags after the
 * command: `agentctl --field session.id session create` == `agentctl session create --field session.id`.
 */
export function hoistGlobalFlags(argv: string[]): string[] {
  const globals: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i];
    const name = arg.split("=", 1)[0];
    if (!GLOBAL_VALUE_FLAGS.has(name)) break;
    if (arg.includes("=")) {
      globals.push(arg);
      i += 1;
    } else {
      globals.push(arg, ...(i + 1 < argv.length ? [argv[i + 1]] : []));
      i += 2;
    }
  }
  if (globals.length === 0) return argv;
  const rest = argv.slice(i);
  const dashDash = rest.indexOf("--");
  return dashDash === -1 ? [...rest, ...globals] : [...rest.slice(0, dashDash), ...globals, ...rest.slice(dashDash)];
}

export async function main(argv: string[]): Promise<void> {
  try {
    const { specs, rest } = takePluginFlags(argv);
    const stale = dropStaleManifests(workspaceRoots());
    const config = await Config.load(import.meta.url);
    if (stale.length) writeManifests(config, stale);
    await addCommandPlugins(config, commandPluginRoots(specs, process.env, process.cwd()));
    await run(hoistGlobalFlags(rest), config);
    await flush();
  } catch (err) {
    await handle(err as Error);
  }
}
