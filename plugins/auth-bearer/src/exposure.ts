import { readFileSync } from "node:fs";

const procSelf = (file: string): string[] => {
  try {
    return readFileSync(`/proc/self/${file}`, "utf8").split("\0");
  } catch {
    return []; // no /proc: not Linux
  }
};

/**
 * Where this process shows `secret` to every process of its user (and its argv to every local
 * user): an exec-time argument (`--flag value` or `--flag=value`) or one of `envNames` in its
 * exec-time environment, which /proc keeps for the process's life and an agent can read from its
 * parent. Null when neither holds it.
 */
export function whereExposed(secret: string, envNames: readonly string[]): string | null {
  if (procSelf("cmdline").some((arg) => arg === secret || arg.endsWith(`=${secret}`))) return `its command line (/proc/${process.pid}/cmdline, also shown by ps)`;
  for (const entry of procSelf("environ")) {
    const eq = entry.indexOf("=");
    const name = entry.slice(0, eq);
    if (eq > 0 && envNames.includes(name) && entry.slice(eq + 1).split(",").some((v) => v.trim() === secret)) return `its environment variable ${name} (/proc/${process.pid}/environ)`;
  }
  return null;
}
