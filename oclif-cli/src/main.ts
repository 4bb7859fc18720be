/** Entry point used by bin/agentctl: runs oclif from this package's root, whatever the cwd. */
import { Config, flush, handle, run } from "@oclif/core";
import { dropStaleManifests, workspaceRoots, writeManifests } from "./manifest-cache.ts";

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
    const stale = dropStaleManifests(workspaceRoots());
    const config = await Config.load(import.meta.url);
    if (stale.length) writeManifests(config, stale);
    await run(hoistGlobalFlags(argv), config);
    await flush();
  } catch (err) {
    await handle(err as Error);
  }
}
