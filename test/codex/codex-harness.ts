// Shared setup for tests that run the real codex binary (installed by `npm ci --prefix test/codex-bin`).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../support/daemon.ts";

export const CODEX_BIN = join(ROOT, "test", "codex-bin", "node_modules", ".bin", "codex");

/** Fail fast instead of codex's default 5 retries over ~26 s; also proves --codex-extra-arg reaches codex. */
export const CODEX_TEST_ARGS = [
  "--codex-bin", CODEX_BIN,
  "--codex-extra-arg", "-c", "--codex-extra-arg", "model_providers.mock.request_max_retries=0",
  "--codex-extra-arg", "-c", "--codex-extra-arg", "model_providers.mock.stream_max_retries=0",
];

export const INSTALL_HINT = "the codex test binary is not installed: run `npm ci --prefix test/codex-bin` (about 400 MB)";

/**
 * How a real-binary suite behaves without the binary: skipped locally with the install hint, but a
 * failure when AGENTD_REQUIRE_CODEX=1 (set by .ci/run) so CI can never pass by skipping them.
 */
export function codexAvailability(): { installed: boolean; skip: string | false; required: boolean } {
  const installed = existsSync(CODEX_BIN);
  const required = process.env.AGENTD_REQUIRE_CODEX === "1";
  return { installed, required, skip: installed || required ? false : `${INSTALL_HINT} (set AGENTD_REQUIRE_CODEX=1 to make this a failure)` };
}

/** Live processes whose environment says they belong to this agentd run (codex and its commands). */
export function processesOfRun(runId: string): Array<{ pid: number; cmdline: string }> {
  const out: Array<{ pid: number; cmdline: string }> = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue; // zombies are already dead
      const environ = readFileSync(`/proc/${name}/environ`, "utf8");
      if (!environ.split("\0").includes(`AGENTD_RUN_ID=${runId}`)) continue;
      out.push({ pid: Number(name), cmdline: readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ").trim() });
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}

/** Live processes whose command line contains `marker` (e.g. a unique `sleep 3017`). */
export function processesMatching(marker: string): Array<{ pid: number; cmdline: string }> {
  const out: Array<{ pid: number; cmdline: string }> = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ").trim();
      if (cmdline.includes(marker)) out.push({ pid: Number(name), cmdline });
    } catch {
      /* gone */
    }
  }
  return out;
}
