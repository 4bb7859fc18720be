import { AgentdError, notFound, validation } from "../errors.ts";
import { rejectIfBusy } from "./multitask.ts";
import type { GatewayHooks, RunStateChange } from "../kernel/hooks.ts";
import type { Registry } from "../kernel/registry.ts";
import type { Provider } from "../providers/types.ts";
import type { StorageTx } from "../storage/types.ts";
import { TERMINAL_STATUSES, type Message, type MultitaskPolicy, type Principal, type Run, type RunStatus, type RunUsage, type Session } from "../types.ts";
import type { Db, Writer } from "./db.ts";
import { newId } from "./ids.ts";
import { now, toMessage, toRun } from "./rows.ts";
import type { MutationOptions, SessionService } from "./sessions.ts";
import { QueueLimits, type RunLimits } from "./queue-limits.ts";
import { isStorageUnavailable, StorageRecovery } from "./storage-recovery.ts";
import { assertTransition, isTerminal } from "./run-states.ts";

export type { RunLimits } from "./queue-limits.ts";

export { isTerminal } from "./run-states.ts";

export interface EnqueueInput {
  text: string;
  provider?: string;
  model?: string | null;
  /** Overrides the session's multitask policy for this message. */
  multitask?: MultitaskPolicy;
  /** Stored with the user message (e.g. where an escalation answer came from). */
  messageMeta?: Record<string, unknown>;
}

export interface Enqueued {
  message: Message;
  run: Run;
}

export interface RunEnd {
  status: Exclude<RunStatus, "queued" | "running">;
  output?: string | null;
  error?: string | null;
  usage?: RunUsage | null;
  canceledBy?: string | null;
  /** Extra data for the terminal event. */
  data?: Record<string, unknown>;
}

/** Notified after a run is durably queued or finished, so the queue can act without polling. */
export interface QueueSignal {
  runQueued(run: Run): void;
}

/** Cancels runs on behalf of an actor (RunControl.cancel); attached once services are wired. */
export type Interrupter = (runs: readonly Run[], actor: Principal, reason: string) => Promise<void>;

export class RunService {
  private queue: QueueSignal | null = null;
  private interrupter: Interrupter | null = null;
  private readonly waiters = new Map<string, Set<(run: Run) => void>>();
  private readonly finishSteps: Array<(w: Writer, run: Run) => void> = [];
  private readonly queued: QueueLimits;
  /** Waits out a storage failure for run ends and starts that must not be dropped. */
  readonly storage: StorageRecovery;

  constructor(
    private readonly db: Db,
    private readonly sessions: SessionService,
    private readonly hooks: GatewayHooks,
    private readonly providers: Registry<Provider>,
    limits: RunLimits = { maxQueuedPerSession: Infinity, maxQueuedPerPrincipal: Infinity },
  ) {
    this.queued = new QueueLimits(limits, db.read);
    this.storage = new StorageRecovery(db.storage);
  }

  attachQueue(queue: QueueSignal): void {
    this.queue = queue;
  }

  attachInterrupter(interrupter: Interrupter): void {
    this.interrupter = interrupter;
  }

  /** The session's queued and running runs, oldest first. */
  busyRuns(sessionId: string): Run[] {
    return this.db.read.all("SELECT * FROM runs WHERE session_id = ? AND status IN ('queued', 'running') ORDER BY pos", [sessionId]).map(toRun);
  }


  /** Write more in the transaction that ends a run (e.g. the parent's announcement: exactly once with the end). */
  onFinishInTx(step: (w: Writer, run: Run) => void): void {
    this.finishSteps.push(step);
  }

  find(id: string): Run | undefined {
    const row = this.db.read.get("SELECT * FROM runs WHERE id = ?", [id]);
    return row ? toRun(row) : undefined;
  }

  /** A run whose session the principal may see, else 404. */
  get(id: string, principal: Principal): Run {
    const run = this.find(id);
    if (!run) throw notFound("run", id);
    const session = this.sessions.find(run.session_id);
    if (!session || !this.sessions.canAccess(principal, session)) throw notFound("run", id);
    return run;
  }

  /** Store a user message and queue a run for it, after `beforeEnqueue` taps had their say. */
  async enqueue(session: Session, input: EnqueueInput, opts: MutationOptions<Enqueued>): Promise<Enqueued> {
    const request = await this.hooks.beforeEnqueue.promise({
      session,
      prompt: input.text,
      provider: input.provider ?? session.provider,
      model: input.model ?? session.model,
      actor: opts.actor,
      meta: {},
    });
    if (request.provider !== "auto" && !this.providers.has(request.provider)) {
      throw validation(`unknown provider "${request.provider}"; registered: auto, ${this.providers.names().join(", ")}`, {
        path: "/provider",
        allowed: ["auto", ...this.providers.names()],
      });
    }
    const policy = input.multitask ?? session.multitask;
    if (policy === "interrupt") {
      const busy = this.busyRuns(session.id);
      if (busy.length && !this.interrupter) throw new Error("multitask interrupt needs the run control attached");
      if (busy.length) await this.interrupter!(busy, opts.actor, `interrupted by a new message (multitask "interrupt")`);
    }
    this.queued.assertRoom(session);
    // No await between this check and the write: two racing messages cannot both get in.
    if (policy === "reject") rejectIfBusy(session, this.busyRuns(session.id));
    return this.db.write((w) => {
      const result = this.insertQueued(w, session, { ...input, text: request.prompt, provider: request.provider, model: request.model }, request.meta);
      opts.inTx?.(w.tx, result);
      return result;
    });
  }

  /** Insert message + queued run inside an existing write (also used by spawn and escalation answers). */
  insertQueued(w: Writer, session: Session, input: EnqueueInput, meta: Record<string, unknown> = {}): Enqueued {
    const t = now();
    const message: Message = { id: newId("msg"), session_id: session.id, run_id: null, role: "user", text: input.text, meta: input.messageMeta ?? null, created_at: t };
    const runId = newId("run");
    message.run_id = runId;
    w.tx.run("INSERT INTO messages (id, session_id, run_id, role, text, meta, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", [
      message.id, session.id, runId, "user", message.text, message.meta ? JSON.stringify(message.meta) : null, t,
    ]);
    w.tx.run(
      `INSERT INTO runs (id, session_id, status, requested_provider, model, message_id, prompt, meta, created_at)
       VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?)`,
      [runId, session.id, input.provider ?? session.provider, input.model ?? session.model, message.id, input.text, JSON.stringify(meta), t],
    );
    w.tx.run("UPDATE sessions SET updated_at = ? WHERE id = ?", [t, session.id]);
    const run: Run = {
      id: runId, session_id: session.id, status: "queued", requested_provider: input.provider ?? session.provider, provider: null,
      model: input.model ?? session.model, message_id: message.id, prompt: input.text, output: null, error: null, usage: null,
      worker_id: null, pid: null, canceled_by: null, routing: null, waiting: null, created_at: t, started_at: null, ended_at: null,
    };
    w.event(session.id, runId, "message.created", { message });
    w.event(session.id, runId, "run.queued", { run_id: runId, status: "queued", provider: run.requested_provider });
    w.afterCommit(() => {
      this.queued.add(runId, session.id, session.owner);
      this.queue?.runQueued(run);
    });
    return { message, run };
  }

  /** Check a transition against the state machine; throws a 409 naming the allowed targets. */
  assertTransition(run: Run, to: RunStatus, operator: boolean): void {
    assertTransition(run, to, operator);
  }

  /** Worker claims a queued run. Written now; durability follows without holding up the start. */
  markRunning(run: Run, fields: { workerId: string; provider: string; routing: Run["routing"] }): Run {
    this.assertTransition(run, "running", false);
    const written = this.db.writeNow((w) => {
      const t = now();
      w.tx.run("UPDATE runs SET status = 'running', worker_id = ?, provider = ?, routing = ?, started_at = ? WHERE id = ? AND status = 'queued'", [
        fields.workerId, fields.provider, JSON.stringify(fields.routing), t, run.id,
      ]);
      const updated = { ...run, status: "running" as const, worker_id: fields.workerId, provider: fields.provider, routing: fields.routing, started_at: t };
      w.event(run.session_id, run.id, "run.started", { run_id: run.id, status: "running", provider: fields.provider, worker_id: fields.workerId, routing: fields.routing });
      // Once stored (also when that happens only after a storage failure recovered).
      w.afterCommit(() => {
        this.queued.remove(run.id);
        this.announceState({ run: updated, from: "queued", to: "running" });
      });
      return updated;
    });
    return written.value;
  }

  /** Record the run's process, with when it started (`processStart`) so recovery can tell it from a reused pid. */
  setPid(runId: string, pid: number | null, pidStart: string | null): void {
    try {
      this.db.writeNow((w) => w.tx.run("UPDATE runs SET pid = ?, pid_start = ? WHERE id = ?", [pid, pidStart, runId]));
    } catch (err) {
      // Storage is refusing writes: the provider's run goes on; a daemon restarted meanwhile finds
      // the process by the run id in its environment (daemon/orphans.ts).
      if (!isStorageUnavailable(err)) throw err;
    }
  }

  /** The start identity recorded with the run's pid (null when none was recorded). */
  pidStart(runId: string): string | null {
    const value = this.db.read.get("SELECT pid_start FROM runs WHERE id = ?", [runId])?.pid_start;
    return typeof value === "string" ? value : null;
  }

  /** Move a run to a terminal state (with its assistant message on success) and wake waiters. */
  async finish(run: Run, end: RunEnd, inTx?: (tx: StorageTx, run: Run) => void): Promise<Run> {
    const current = this.find(run.id) ?? run;
    if (isTerminal(current.status)) return current;
    this.assertTransition(current, end.status, false);
    return this.db.write((w) => {
      const t = now();
      w.tx.run("UPDATE runs SET status = ?, output = ?, error = ?, usage = ?, canceled_by = ?, ended_at = ?, waiting = NULL WHERE id = ?", [
        end.status, end.output ?? null, end.error ?? null, end.usage ? JSON.stringify(end.usage) : null, end.canceledBy ?? null, t, run.id,
      ]);
      if (end.status === "completed" && end.output) {
        const message: Message = { id: newId("msg"), session_id: run.session_id, run_id: run.id, role: "assistant", text: end.output, meta: null, created_at: t };
        w.tx.run("INSERT INTO messages (id, session_id, run_id, role, text, meta, created_at) VALUES (?, ?, ?, ?, ?, NULL, ?)", [
          message.id, run.session_id, run.id, "assistant", end.output, t,
        ]);
        w.event(run.session_id, run.id, "message.created", { message });
      }
      const updated = toRun(w.tx.get("SELECT * FROM runs WHERE id = ?", [run.id])!);
      w.event(run.session_id, run.id, `run.${end.status}`, {
        run_id: run.id, status: end.status, error: updated.error, usage: updated.usage, canceled_by: updated.canceled_by, ...end.data,
      });
      for (const step of this.finishSteps) step(w, updated);
      inTx?.(w.tx, updated);
      // Once stored: counts, observers and waiters follow what is durable, also when the write
      // becomes durable only after a storage failure recovered.
      w.afterCommit(() => {
        if (current.status === "queued") this.queued.remove(run.id);
        this.announceState({ run: updated, from: current.status, to: end.status });
        for (const resolve of this.waiters.get(run.id) ?? []) resolve(updated);
        this.waiters.delete(run.id);
      });
      return updated;
    });
  }

  /**
   * `finish` for a run's end that must not be lost (a worker's outcome): while storage refuses
   * writes, wait for it to recover and write the end then, so no run stays `running`. Rejects
   * only when the daemon stops meanwhile (the next start fails the run as interrupted).
   */
  async finishEventually(run: Run, end: RunEnd, inTx?: (tx: StorageTx, run: Run) => void, onDelay?: (err: unknown) => void): Promise<Run> {
    for (;;) {
      try {
        return await this.finish(run, end, inTx);
      } catch (err) {
        if (!isStorageUnavailable(err)) throw err;
        onDelay?.(err);
        if (!(await this.storage.whenWritable())) throw err;
      }
    }
  }

  /** Observers must not break the state machine: a throwing tap is reported, not propagated. */
  private announceState(change: RunStateChange): void {
    try {
      this.hooks.onRunStateChange.call(change);
    } catch (err) {
      process.emitWarning(`onRunStateChange tap threw: ${String(err)}`);
    }
  }

  /** Resolve when the run is terminal, or with the current state after `timeoutMs`. */
  wait(run: Run, timeoutMs: number): Promise<{ run: Run; timedOut: boolean }> {
    if (isTerminal(run.status)) return Promise.resolve({ run, timedOut: false });
    return new Promise((resolve) => {
      const set = this.waiters.get(run.id) ?? new Set();
      this.waiters.set(run.id, set);
      const done = (r: Run): void => {
        clearTimeout(timer);
        resolve({ run: r, timedOut: false });
      };
      const timer = setTimeout(() => {
        set.delete(done);
        resolve({ run: this.find(run.id) ?? run, timedOut: true });
      }, timeoutMs);
      set.add(done);
    });
  }

  counts(): Record<RunStatus, number> {
    const out: Record<RunStatus, number> = { queued: 0, running: 0, completed: 0, failed: 0, canceled: 0 };
    for (const row of this.db.read.all("SELECT status, COUNT(*) AS n FROM runs GROUP BY status")) out[row.status as RunStatus] = Number(row.n);
    return out;
  }

  listByStatus(status: RunStatus): Run[] {
    return this.db.read.all("SELECT * FROM runs WHERE status = ? ORDER BY pos", [status]).map(toRun);
  }

  /** The user message and transcript a run works from. */
  transcriptBefore(run: Run): Message[] {
    const all = this.sessions.messages(run.session_id);
    const idx = all.findIndex((m) => m.id === run.message_id);
    return idx === -1 ? all : all.slice(0, idx);
  }

  messagesOf(runId: string): Message[] {
    return this.db.read.all("SELECT * FROM messages WHERE run_id = ? ORDER BY pos", [runId]).map(toMessage);
  }
}
