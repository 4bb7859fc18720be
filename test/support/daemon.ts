import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "..", "..");
export const AGENTD_BIN = join(ROOT, "bin", "agentd");
export const AGENTCTL_BIN = join(ROOT, "bin", "agentctl");
/** bash from this process's PATH (bin/agentd is a bash launcher). */
export const BASH = (process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, "bash")).find((p) => existsSync(p)) ?? "/bin/bash";

export interface DaemonHandle {
  url: string;
  dataDir: string;
  db: string;
  proc: ChildProcess;
  /** Everything the daemon wrote to stderr so far. */
  logs(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit (crash simulation). */
  kill9(): Promise<void>;
}

export interface StartOptions {
  args?: string[];
  env?: Record<string, string | undefined>;
  /** Reuse a data dir (restart); a fresh temp dir otherwise. */
  dataDir?: string;
  /** Fixed port (restarts keep the URL); 0 picks a free one. */
  port?: number;
  /** Expect boot to fail: resolves with the exit code and stderr instead of a handle. */
  expectFailure?: boolean;
}

export function tempDir(prefix = "agentd-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Start the real daemon as a subprocess on loopback and wait until it listens. */
export async function startDaemon(opts: StartOptions = {}): Promise<DaemonHandle> {
  const dataDir = opts.dataDir ?? tempDir();
  const db = join(dataDir, "agentd.db");
  const args = ["--port", String(opts.port ?? 0), "--db", db, ...(opts.args ?? [])];
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...opts.env })) if (v !== undefined && !k.startsWith("AGENTD_")) env[k] = v;
  for (const [k, v] of Object.entries(opts.env ?? {})) if (v !== undefined) env[k] = v;
  // The launcher itself, as an operator runs it (it keeps tokens out of the daemon's /proc), with
  // this test's bash and node, so a test may give the daemon a PATH without them.
  env.AGENTD_NODE ??= process.execPath;
  // Tests read the human log lines (key="value"); the product's default off a terminal is JSON
  // lines, which test/ops/logs.test.ts covers (it passes AGENTD_LOG_FORMAT: undefined or a flag).
  if (!opts.env || !("AGENTD_LOG_FORMAT" in opts.env)) env.AGENTD_LOG_FORMAT = "text";
  const proc = spawn(BASH, [AGENTD_BIN, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  proc.stdout!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`agentd did not start within 20s:\n${stderr}`)), 20_000);
    const onData = (): void => {
      const listening = listeningUrl(stderr);
      if (listening) {
        clearTimeout(timer);
        proc.stderr!.off("data", onData);
        resolveUrl(listening);
      }
    };
    proc.stderr!.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`agentd exited with ${code} before listening:\n${stderr}`), { exitCode: code, stderr }));
    });
  });
  return {
    url,
    dataDir,
    db,
    proc,
    logs: () => stderr,
    stop: async () => {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      return exited;
    },
    kill9: async () => {
      if (proc.exitCode === null) proc.kill("SIGKILL");
      await exited;
    },
  };
}

/**
 * The URL of the daemon's "agentd listening" record, in either log format: a JSON line
 * (`{"msg":"agentd listening","url":"..."}`, the default when stderr is not a terminal) or the
 * text line (`... agentd listening url="..."`, --log-format text).
 */
export function listeningUrl(logs: string): string | null {
  for (const line of logs.split("\n")) {
    if (!line.includes("agentd listening")) continue;
    const text = /agentd listening url="([^"]+)"/.exec(line);
    if (text) return text[1];
    if (line.startsWith("{")) {
      try {
        const record = JSON.parse(line) as { msg?: string; url?: string };
        if (record.msg === "agentd listening" && record.url) return record.url;
      } catch {
        /* a partial line: wait for the rest */
      }
    }
  }
  return null;
}

/** Run agentd expecting a boot failure; returns its exit code and stderr. */
export async function startFailure(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  try {
    const d = await startDaemon({ args, env });
    await d.stop();
    throw new Error("agentd started but was expected to fail");
  } catch (err) {
    const e = err as { exitCode?: number | null; stderr?: string };
    if (e.stderr === undefined) throw err;
    return { code: e.exitCode ?? null, stderr: e.stderr };
  }
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface ApiResponse<T = Record<string, any>> {
  status: number;
  body: T;
  headers: Headers;
}

/** A tiny HTTP client for tests: JSON in, JSON out, never throws on 4xx/5xx. */
export function api(baseUrl: string, token?: string) {
  const call = async <T = Record<string, any>>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> => {
    const res = await fetch(baseUrl + path, {
      method,
      headers: {
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* non-JSON body stays text */
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  };
  return {
    get: <T = Record<string, any>>(path: string, headers?: Record<string, string>) => call<T>("GET", path, undefined, headers),
    post: <T = Record<string, any>>(path: string, body?: unknown, headers?: Record<string, string>) => call<T>("POST", path, body ?? {}, headers),
    raw: call,
    /** Create a session, send a message, wait for its run: the common flow. */
    async converse(text: string, sessionBody: Record<string, unknown> = {}) {
      const s = await call("POST", "/sessions", sessionBody);
      if (s.status !== 201) throw new Error(`session create failed: ${JSON.stringify(s.body)}`);
      const m = await call("POST", `/sessions/${s.body.session.id}/messages`, { text, idempotency_key: `k-${Math.random()}` });
      if (m.status !== 201) throw new Error(`message send failed: ${JSON.stringify(m.body)}`);
      const w = await call("GET", `/runs/${m.body.run.id}/wait?timeout_s=30`);
      return { session: s.body.session, run: w.body.run, message: m.body.message };
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll until `fn` returns a truthy value or the timeout passes. */
export async function until<T>(fn: () => Promise<T> | T, timeoutMs = 10_000, what = "condition"): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
