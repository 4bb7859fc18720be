/** Which codex versions the app-server transport speaks: its JSON-RPC protocol changes between releases. */
import { execFileSync } from "node:child_process";

/** The oldest version whose app-server protocol agentd was tested against (docs/codex-provider.md). */
export const MIN_APP_SERVER_VERSION = "0.169.0";
const INSTALL = `install a supported one with "npm install -g @openai/codex@${MIN_APP_SERVER_VERSION}" or pass --codex-bin, or use --codex-transport exec`;

const cache = new Map<string, { ok: true; version: string } | { ok: false; reason: string }>();

function parse(v: string): number[] | null {
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

export function atLeast(version: string, min: string): boolean {
  const a = parse(version);
  const b = parse(min)!;
  if (!a) return false;
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
}

/** `codex --version` once per binary path (cached: availability is asked on every auto-routed run). */
export function checkAppServerVersion(bin: string): { ok: true; version: string } | { ok: false; reason: string } {
  const known = cache.get(bin);
  if (known) return known;
  let result: { ok: true; version: string } | { ok: false; reason: string };
  try {
    const out = execFileSync(bin, ["--version"], { encoding: "utf8", timeout: 15_000, stdio: ["ignore", "pipe", "pipe"] }).trim();
    const version = parse(out)?.join(".") ?? null;
    if (!version) result = { ok: false, reason: `could not read the version of codex at ${bin} (\`codex --version\` printed ${JSON.stringify(out.slice(0, 200))}): ${INSTALL}` };
    else if (!atLeast(version, MIN_APP_SERVER_VERSION)) result = { ok: false, reason: `codex ${version} at ${bin} is too old for the app-server transport (needs ${MIN_APP_SERVER_VERSION} or newer): ${INSTALL}` };
    else result = { ok: true, version };
  } catch (err) {
    result = { ok: false, reason: `\`${bin} --version\` failed (${(err as Error).message.split("\n")[0]}): ${INSTALL}` };
  }
  cache.set(bin, result);
  return result;
}
