import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function read(path: string): string | null {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return null;
  }
}

/** The product version (root package.json). */
export const VERSION: string = (JSON.parse(read(join(root, "package.json")) ?? "{}") as { version?: string }).version ?? "0.0.0";

/** The git commit the daemon was started from, so a stale daemon is recognisable; "unknown" outside a checkout. */
export const BUILD: string = (() => {
  const head = read(join(root, ".git", "HEAD"));
  if (!head) return "unknown";
  if (!head.startsWith("ref: ")) return head.slice(0, 12);
  const ref = head.slice(5);
  const direct = read(join(root, ".git", ref));
  if (direct) return direct.slice(0, 12);
  const packed = read(join(root, ".git", "packed-refs"));
  const line = packed?.split("\n").find((l) => l.endsWith(` ${ref}`));
  return line ? line.slice(0, 12) : "unknown";
})();
