// Processes the suite starts: the real daemon (through the test suite's launcher), baseline
// servers, and the stream-subscriber child. Every one is stopped by the scenario that started it.
import { fork, spawn, type ChildProcess } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ROOT, startDaemon, type DaemonHandle, type StartOptions } from "../../test/support/daemon.ts";
import type { StartMessage, StreamStats } from "../clients/stream-subscribers.ts";

export { ROOT, startDaemon, type DaemonHandle };
export const BENCH_PLUGIN = "./bench/fixtures/bench-plugin.ts";

/**
 * Per-principal limits raised so that the load itself is measured, not the 429s that protect a
 * shared daemon from one client (the suite is one anonymous principal).
 */
export const UNLIMITED = ["--max-queued-per-session", "10000000", "--max-queued-per-principal", "10000000", "--max-streams-per-principal", "100000"];

/** Every child the suite started, so an interrupted run (Ctrl-C) leaves no daemon behind. */
const children = new Set<ChildProcess>();
const track = (proc: ChildProcess): void => {
  children.add(proc);
  proc.once("exit", () => children.delete(proc));
};
export function killChildren(): void {
  for (const proc of children) proc.kill("SIGKILL");
}

/** The daemon with the bench plugin (no-op provider, stamped producer), no auth, on loopback. */
export async function benchDaemon(opts: StartOptions = {}): Promise<DaemonHandle> {
  const d = await startDaemon({ ...opts, args: ["--plugin", BENCH_PLUGIN, ...UNLIMITED, ...(opts.args ?? [])] });
  track(d.proc);
  return d;
}

/** Stop a daemon the suite started and remove its temp data dir. */
export async function stopDaemon(d: DaemonHandle): Promise<void> {
  await d.stop();
  rmSync(d.dataDir, { recursive: true, force: true });
}

export interface ServerHandle {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Start a baseline server script (bench/baselines/*.ts) and wait for its `listening url=` line. */
export async function startBaseline(script: string): Promise<ServerHandle> {
  const proc = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench", "baselines", script)], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
  track(proc);
  let stderr = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`baseline ${script} did not start within 20s:\n${stderr}`)), 20_000);
    proc.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
      const m = /listening url="([^"]+)"/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once("exit", (code) => reject(new Error(`baseline ${script} exited with ${code}:\n${stderr}`)));
  });
  return {
    url,
    proc,
    stop: async () => {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      await exited;
    },
  };
}

/** Resident set size of a process in MiB (Linux /proc). */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}

/** A child process holding stream subscribers; see clients/stream-subscribers.ts. */
export interface Subscribers {
  /** Resolves once every stream announced it is live. */
  open(): Promise<void>;
  /** Wait until every stream got the expected events (or the timeout), then close them all. */
  collect(timeoutMs: number): Promise<StreamStats>;
  kill(): void;
}

export function startSubscribers(start: StartMessage): Subscribers {
  const child = fork(join(ROOT, "bench", "clients", "stream-subscribers.ts"), [], { cwd: ROOT, execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  track(child);
  const next = <T>(type: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: { type: string }): void => {
        if (m.type !== type) return;
        child.off("message", onMessage);
        child.off("exit", onExit);
        resolve(m as T);
      };
      const onExit = (code: number | null): void => reject(new Error(`stream subscriber process exited with ${code} before "${type}"`));
      child.on("message", onMessage);
      child.once("exit", onExit);
    });
  const opened = next<void>("open");
  child.send({ type: "start", ...start });
  return {
    open: () => opened,
    collect: (timeoutMs) => {
      const stats = next<StreamStats>("stats");
      child.send({ type: "collect", timeoutMs });
      return stats;
    },
    kill: () => {
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}

/** JSON over HTTP for the suite; throws on an unexpected status so a broken scenario says why. */
export async function http<T = Record<string, unknown>>(method: string, url: string, body?: unknown, expect = [200, 201]): Promise<T> {
  const res = await fetch(url, { method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!expect.includes(res.status)) throw new Error(`${method} ${url} answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}
