import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { pidAlive, type Logger } from "@agentd/core";
import { StorageOpenError } from "./errors.ts";

/** The lock's flock/sh/cat children need only PATH: nothing of the daemon's environment (its secrets) goes to them. */
const lockEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? "/usr/bin:/bin" });

/** What the lock file says about its holder (for the refusal message; the OS lock decides). */
export interface LockHolder {
  pid: number;
  host: string;
  started_at: string;
  /** "agentd" or "agentctl storage check". */
  by: string;
}

export class DataDirLockedError extends StorageOpenError {
  override name = "DataDirLockedError";
}

/** flock(1)'s exit code when the lock is busy (-E). */
const BUSY = 75;

/**
 * One process per database: an exclusive `flock` on `<db>.lock`, held by a small `flock` child
 * (util-linux) for as long as this process lives. The child waits on a pipe from us, so it exits
 * and the kernel drops the lock when we exit or are killed (kill -9 included): a crash leaves no
 * stale lock to clear by hand. The file's JSON only names the holder for the error message.
 */
export class DataDirLock {
  private releasing = false;

  private constructor(
    readonly path: string,
    private readonly child: ChildProcessWithoutNullStreams | null,
  ) {}

  static async acquire(dbPath: string, by: string, log: Logger): Promise<DataDirLock> {
    const path = `${dbPath}.lock`;
    let outcome = await tryFlock(path, 0);
    if (outcome === "missing") {
      log.warn("flock (util-linux) is not installed: only the pid in the lock file keeps a second daemon off this data dir", { lock: path });
      const holder = readHolder(path);
      if (holder && holder.pid !== process.pid && holder.host === hostname() && pidAlive(holder.pid)) throw lockedError(path, holder);
      writeHolder(path, by);
      return new DataDirLock(path, null);
    }
    if (outcome === "busy") {
      const holder = readHolder(path);
      // A holder that is gone (same host, dead pid) is a crash: its flock child exits as soon as it
      // notices the closed pipe. Wait a moment for that instead of refusing.
      if (holder && holder.host === hostname() && !pidAlive(holder.pid)) outcome = await tryFlock(path, 5);
      if (outcome === "busy") throw lockedError(path, readHolder(path));
    }
    if (typeof outcome === "string") throw new DataDirLockedError(`cannot lock ${path}: ${outcome}`);
    writeHolder(path, by);
    const lock = new DataDirLock(path, outcome);
    outcome.once("exit", (code, signal) => {
      if (!lock.releasing) log.error("the lock helper of this database exited: another daemon could now open it; restart agentd", { lock: path, code, signal });
    });
    return lock;
  }

  /** Is the lock held by a live process right now? Does not take it (for `storage check`). */
  static probe(dbPath: string): { held: false } | { held: true; holder: LockHolder | null; message: string } {
    const path = `${dbPath}.lock`;
    if (!existsSync(path)) return { held: false };
    const r = spawnSync("flock", ["-x", "-n", "-E", String(BUSY), path, "true"], { stdio: "ignore", env: lockEnv() });
    const holder = readHolder(path);
    const busy = r.error ? holder !== null && holder.host === hostname() && pidAlive(holder.pid) : r.status === BUSY;
    return busy ? { held: true, holder, message: lockedError(path, holder).detail } : { held: false };
  }

  async release(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    this.releasing = true;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.ref(); // wait for the lock to be dropped before this process may exit
    child.stdin.end();
    await exited;
  }
}

type FlockOutcome = ChildProcessWithoutNullStreams | "busy" | "missing" | string;

/** Start a `flock` child holding the lock; it prints "locked" once it has it. */
function tryFlock(path: string, waitSeconds: number): Promise<FlockOutcome> {
  const wait = waitSeconds > 0 ? ["-w", String(waitSeconds)] : ["-n"];
  const child = spawn("flock", ["-x", ...wait, "-E", String(BUSY), path, "sh", "-c", "echo locked; exec cat >/dev/null"], { stdio: ["pipe", "pipe", "pipe"], detached: true, env: lockEnv() }); // own group: a Ctrl-C to the daemon's terminal must not drop the lock mid-shutdown
  return new Promise<FlockOutcome>((resolve) => {
    let out = "";
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("locked\n")) {
        // Never keep the daemon alive for the lock's sake: exit releases it.
        child.unref();
        child.stdout.destroy();
        child.stderr.destroy();
        (child.stdin as unknown as { unref(): void }).unref();
        resolve(child);
      }
    });
    child.once("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ENOENT" ? "missing" : e.message));
    child.once("exit", (code) => resolve(code === BUSY ? "busy" : `flock exited with ${code}: ${err.trim()}`));
  });
}

function readHolder(path: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(path, "utf8")) as LockHolder;
    return typeof h.pid === "number" ? h : null;
  } catch {
    return null;
  }
}

function writeHolder(path: string, by: string): void {
  const holder: LockHolder = { pid: process.pid, host: hostname(), started_at: new Date().toISOString(), by };
  writeFileSync(path, `${JSON.stringify(holder)}\n`); // same inode: the flock stays on it
}

function lockedError(path: string, holder: LockHolder | null): DataDirLockedError {
  const who = holder ? `${holder.by} pid ${holder.pid} on host ${holder.host} (started ${holder.started_at})` : "another process";
  return new DataDirLockedError(
    `the database is in use: ${who} holds ${path}. Stop it first (kill -TERM ${holder?.pid ?? "<pid>"}), or give this daemon its own --db. ` +
      `A holder that died (even by kill -9) releases the lock by itself: just start again.`,
  );
}
