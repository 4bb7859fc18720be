import { closeSync, readFileSync } from "node:fs";

/**
 * The hand-off from `bin/agentd` (a bash launcher that execs node, keeping its pid). Linux keeps
 * a process's exec-time argv and environment readable in /proc/<pid>/cmdline and /environ for
 * its whole life, to every process of the same user (the agents a daemon runs included); so the
 * launcher execs the daemon with no arguments and an allow-listed environment, and sends the real
 * ones over an inherited pipe named by AGENTD_LAUNCH_FD. Changes to process.env never reach
 * /proc, so restoring the environment here is private.
 *
 * Format (version 1), one item per line, `\` and newline escaped as `\\` and `\n`:
 *   agentd-launch 1 / <argc> / <argv items> / NAME=value environment entries
 */
export interface LaunchHandoff {
  argv: string[];
  env: Record<string, string>;
}

export const LAUNCH_FD_VARIABLE = "AGENTD_LAUNCH_FD";
const HEADER = "agentd-launch 1";

const unescape = (item: string): string => item.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));

export function parseLaunchHandoff(text: string): LaunchHandoff {
  const lines = text.replace(/\n$/, "").split("\n");
  const argc = Number(lines[1]);
  if (lines[0] !== HEADER || !Number.isInteger(argc) || argc < 0 || lines.length < 2 + argc) {
    throw new Error(`the launcher's hand-off is not in the expected format ("${HEADER}"): start agentd with bin/agentd from the same checkout`);
  }
  const argv = lines.slice(2, 2 + argc).map(unescape);
  const env: Record<string, string> = {};
  for (const line of lines.slice(2 + argc)) {
    const item = unescape(line);
    const eq = item.indexOf("=");
    if (eq > 0) env[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return { argv, env };
}

/**
 * When started by the launcher: read and close the hand-off fd (so no child inherits it), make
 * process.env the caller's full environment again, and return the real arguments. Null when the
 * daemon was started some other way (e.g. `node bin/agentd-daemon.mjs`).
 */
export function takeLaunchHandoff(env: NodeJS.ProcessEnv = process.env): LaunchHandoff | null {
  const raw = env[LAUNCH_FD_VARIABLE];
  if (raw === undefined) return null;
  const fd = Number(raw);
  if (!Number.isInteger(fd) || fd < 3) throw new Error(`${LAUNCH_FD_VARIABLE}=${raw} is not a file descriptor; start agentd with bin/agentd`);
  let text: string;
  try {
    text = readFileSync(fd, "utf8");
  } catch (err) {
    throw new Error(`cannot read the launcher's hand-off on fd ${fd}: ${(err as Error).message}; start agentd with bin/agentd`);
  } finally {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
  }
  const handoff = parseLaunchHandoff(text);
  for (const name of Object.keys(env)) delete env[name];
  Object.assign(env, handoff.env);
  delete env[LAUNCH_FD_VARIABLE];
  return handoff;
}
