/**
 * Stopping codex without leaving orphans. codex is spawned as the leader of its own process group,
 * but it starts every shell command in a new session (and so a new group): signalling codex's group
 * does not reach them, and killing the npm wrapper orphans the native binary. So before signalling,
 * we record the whole tree (by parent links in /proc) and the sessions and groups it spans; after
 * codex is gone, anything still living in those sessions or groups is killed.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  state: string;
}

/** Every process visible in /proc (Linux). Processes that vanish while reading are skipped. */
export function listProcesses(): ProcInfo[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return []; // not Linux: only the group signals below apply
  }
  const out: ProcInfo[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // "pid (comm) state ppid pgrp session ...": comm may hold spaces and parens.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.push({ pid: Number(name), state: fields[0], ppid: Number(fields[1]), pgid: Number(fields[2]), sid: Number(fields[3]) });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** The processes of a run: the tree under `rootPid`, plus the sessions and groups that tree spans. */
export class RunProcesses {
  readonly pids = new Set<number>();
  readonly sessions = new Set<number>();
  readonly groups = new Set<number>();
  /** Our own session and group: never targets, whatever a snapshot says. */
  private readonly own = listProcesses().find((p) => p.pid === process.pid);

  constructor(readonly rootPid: number) {
    this.pids.add(rootPid);
    this.sessions.add(rootPid);
    this.groups.add(rootPid);
  }

  /** Add every current descendant of the root and of already known processes. */
  snapshot(procs = listProcesses()): void {
    let grew = true;
    while (grew) {
      grew = false;
      for (const p of procs) {
        if (this.pids.has(p.pid) || !this.pids.has(p.ppid)) continue;
        this.pids.add(p.pid);
        grew = true;
      }
    }
    for (const p of procs) {
      if (!this.pids.has(p.pid)) continue;
      if (p.sid !== this.own?.sid && p.sid > 1) this.sessions.add(p.sid);
      if (p.pgid !== this.own?.pgid && p.pgid > 1) this.groups.add(p.pgid);
    }
  }

  /** Live (non-zombie) processes that belong to the run. */
  alive(procs = listProcesses()): ProcInfo[] {
    this.snapshot(procs);
    return procs.filter(
      (p) => p.pid !== process.pid && p.state !== "Z" && (this.pids.has(p.pid) || this.sessions.has(p.sid) || this.groups.has(p.pgid)),
    );
  }
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* group already gone */
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(done: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  const result = await Promise.race([done.then(() => true), timeout]);
  clearTimeout(timer);
  return result;
}

export interface StopResult {
  /** Signals sent to codex's group, in order. */
  signals: NodeJS.Signals[];
  /** Pids killed by the sweep after codex exited (commands codex left behind). */
  swept: number[];
  /** Pids still alive at the end (should be empty). */
  survivors: number[];
}

/**
 * SIGINT codex's group (codex stops its commands), then SIGTERM, then SIGKILL, each after a grace
 * period; then SIGKILL whatever is left in the run's sessions and groups until nothing is.
 */
export async function stopProcessTree(procs: RunProcesses, exited: Promise<unknown>, graceMs = { int: 1500, term: 1000 }): Promise<StopResult> {
  const signals: NodeJS.Signals[] = [];
  procs.snapshot();
  for (const [signal, wait] of [["SIGINT", graceMs.int], ["SIGTERM", graceMs.term], ["SIGKILL", 3000]] as const) {
    procs.snapshot();
    signals.push(signal);
    signalGroup(procs.rootPid, signal);
    if (await waitFor(exited, wait)) break;
  }
  return { signals, ...(await sweep(procs)) };
}

/** Kill what is left of a run's processes and wait until they are gone (bounded). */
export async function sweep(procs: RunProcesses, timeoutMs = 3000): Promise<{ swept: number[]; survivors: number[] }> {
  const swept = new Set<number>();
  const end = Date.now() + timeoutMs;
  for (;;) {
    const left = procs.alive();
    if (left.length === 0 || Date.now() > end) return { swept: [...swept], survivors: left.map((p) => p.pid) };
    for (const p of left) {
      swept.add(p.pid);
      signalPid(p.pid, "SIGKILL");
    }
    await delay(50);
  }
}
