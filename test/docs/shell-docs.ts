// Run the ```bash blocks of a document as one bash script, the way a newcomer would type them, so
// the docs cannot rot. Conventions (also in docs/runbook.md "About the commands in these docs"):
// - ```bash blocks run, in order, in one shell (later blocks use earlier variables); ```sh blocks
//   are illustrative (they need something a test machine lacks, e.g. ollama) and do not run.
// - A ```bash block right after the line `<!-- runs inside a run: ROLE -->` is what an agent types
//   inside an agentd run (it relies on the run's AGENTD_RUN_ID / AGENTD_SESSION_ID / token): it is
//   not part of the operator's script; `runBlocks()` returns it with its ROLE (e.g. parent, child)
//   and the test runs it inside a real run of that role, one run per block (a bash-playbook
//   provider run: test/fixtures/plugins/bash-playbook-provider.ts). Such a block defines every
//   variable it uses: separate runs share no shell.
// - `npm install` / `npm ci` / `npm test` / `bash .ci/run` / `npm run bench` are not re-run: CI runs
//   exactly those around this suite.
// - A daemon started in the foreground (`npm start`, `bin/agentd`) is moved to the background and
//   waited for; streaming commands (`--follow`, `curl -sN`) run under `timeout 5`.
// - The default address 127.0.0.1:8765 becomes a free port (AGENTD_PORT and AGENTCTL_URL point at it).
// Scripts run in a "sandbox checkout": a temp dir of symlinks to the repo, so relative paths such as
// .data/ and agentd.log land in the temp dir; every process a script starts is killed afterwards.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../support/daemon.ts";
import { cleanEnv, type CliResult } from "../cli/cli-helpers.ts";

export const DEFAULT_ADDRESS = "127.0.0.1:8765";
const NOT_RUN = /^(npm (install|ci|test)|bash \.ci\/run|npm run bench)\b/;
const DAEMON_START = /^(npm start|(node )?bin\/agentd)\b/;
const STREAMING = /--follow\b|curl -sN\b/;

const BLOCK = /^(?:<!-- runs inside a run: ([\w-]+) -->\n)?```bash\n([\s\S]*?)^```$/gm;

/** The operator's blocks: every ```bash block not marked to run inside a run. */
export function bashBlocks(markdown: string): string[] {
  return [...markdown.matchAll(BLOCK)].filter((m) => !m[1]).map((m) => m[2]);
}

/** The blocks an agent runs inside a run, in document order, with their role. */
export function runBlocks(markdown: string): { role: string; code: string }[] {
  return [...markdown.matchAll(BLOCK)].filter((m) => m[1]).map((m) => ({ role: m[1], code: m[2] }));
}

/** One in-run block as a script file's text; `extra` is the test's own (commented) lines after it. */
export function inRunScript(code: string, extra = ""): string {
  return ["set -euo pipefail", "set -x", code, extra].join("\n");
}

/** The text of one `## heading` section (up to the next `## `). */
export function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n${heading}\n`);
  assert.notEqual(start, -1, `heading "${heading}" not found`);
  const next = markdown.indexOf("\n## ", start + heading.length + 2);
  return markdown.slice(start, next === -1 ? undefined : next);
}

function rewrite(line: string): string {
  // `npm install && npm start` (the README's one command): the install is CI's; the start runs.
  const trimmed = line.trim().replace(/^npm (install|ci) && /, "");
  if (NOT_RUN.test(trimmed)) return `: 'not run here (CI runs it): ${trimmed.replaceAll("'", "")}'`;
  if (DAEMON_START.test(trimmed) && !trimmed.endsWith("&")) {
    return `{ ${trimmed.replace(/\s+#.*$/, "")} ; } >> docs-test-agentd.log 2>&1 &\nwait_for_daemon`;
  }
  if (STREAMING.test(trimmed)) return `{ timeout 5 ${trimmed.replace(/\s+#.*$/, "")} || [ $? -eq 124 ]; }`;
  return line;
}

export function toScript(blocks: string[], port: number): string {
  const body = blocks.join("\n").replaceAll(DEFAULT_ADDRESS, `127.0.0.1:${port}`).split("\n").map(rewrite);
  const waitFor = `wait_for_daemon() { for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:${port}/health" >/dev/null && return 0; sleep 0.5; done; echo "daemon did not start; log:" >&2; cat docs-test-agentd.log >&2; return 1; }`;
  return ["set -euo pipefail", waitFor, "set -x", ...body].join("\n");
}

/** A temp dir that looks like a fresh checkout after `npm install` (symlinks to the repo). */
export function sandboxCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), "agentd-docs-"));
  for (const entry of ["package.json", "package-lock.json", "tsconfig.json", "bin", "core", "plugins", "oclif-cli", "examples", "node_modules", "docs", "skills", "test", ".git"]) {
    if (existsSync(join(ROOT, entry))) symlinkSync(join(ROOT, entry), join(dir, entry));
  }
  return dir;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === "object" ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** Run a script in its own process group; afterwards stop everything it started (daemons too). */
export function runScript(source: string, env: Record<string, string>, cwd: string, timeoutMs = 240_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn("bash", ["-c", source], { cwd, env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    p.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => signalGroup(p.pid!, "SIGKILL"), timeoutMs);
    p.on("error", reject);
    p.on("close", (code) => {
      clearTimeout(timer);
      void stopGroup(p.pid!).then(() => resolve({ code, stdout, stderr }), reject);
    });
  });
}

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM the group (daemons shut down gracefully), SIGKILL whatever is left after 15 s. */
async function stopGroup(pgid: number): Promise<void> {
  if (!signalGroup(pgid, "SIGTERM")) return;
  for (let i = 0; i < 150 && signalGroup(pgid, 0); i++) await new Promise((r) => setTimeout(r, 100));
  signalGroup(pgid, "SIGKILL");
}
