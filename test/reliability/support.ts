// Helpers for the reliability suite: the CI / full profile switch, free ports, and /proc readers
// (leftover child processes, daemon memory).
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";

/** `npm run soak` sets RELIABILITY_PROFILE=full; `npm test` runs the shorter CI profile. */
export const FULL_PROFILE = process.env.RELIABILITY_PROFILE === "full";
export const profile = <T>(ci: T, full: T): T => (FULL_PROFILE ? full : ci);

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** A unique extra `sleep` operand (seconds, adds nothing noticeable) that tags one test's children. */
export function childMarker(): string {
  return `0.000${Math.floor(100_000 + Math.random() * 899_999)}`;
}

/** Live (non-zombie) processes whose command line contains every given word. */
export function processesWith(...words: string[]): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0");
      if (!words.every((w) => argv.includes(w))) continue;
      const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${name}/status`, "utf8"))?.[1];
      if (state !== "Z") found.push(Number(name));
    } catch {
      /* exited while we looked */
    }
  }
  return found;
}

export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
}

/** Resident memory of a process in KiB (VmRSS). */
export function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
