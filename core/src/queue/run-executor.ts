import type { Logger, Provider, RunContext } from "../providers/types.ts";
import type { Registry } from "../kernel/registry.ts";
import type { ApprovalService } from "../services/approvals.ts";
import type { Db } from "../services/db.ts";
import type { RunEnd, RunService } from "../services/runs.ts";
import type { SessionService } from "../services/sessions.ts";
import type { StorageTx } from "../storage/types.ts";
import type { Message, Run, Session } from "../types.ts";
import type { GatewayHooks } from "../kernel/hooks.ts";
import { processStart } from "./process-identity.ts";
import { routeRun } from "./routing.ts";

/** How a stopped run should end, who asked, and what else to write with its end. */
export interface RunStop {
  status: "canceled" | "failed";
  by: string;
  reason: string;
  data?: Record<string, unknown>;
  /** Written in the transaction that ends the run (e.g. the idempotency record of the cancel). */
  inTx?: (tx: StorageTx, run: Run) => void;
}

/** A run being executed right now. */
export interface ActiveRun {
  run: Run;
  controller: AbortController;
  /** Set when someone stops the run: how it should end and who asked. */
  stop: RunStop | null;
  pid: number | null;
  diagnostics: Record<string, unknown>;
  done: Promise<void>;
}

export interface RunEnvironment {
  /** Base URL of this daemon, for `agentctl` inside the run. */
  url(): string;
  /** A token that acts for the run on its own session tree; revoked when the run ends. */
  issueRunToken(run: Run, session: Session): string;
  revokeRunToken(token: string): void;
}

/** Turns a claimed run into a provider call and records the outcome. */
export class RunExecutor {
  readonly active = new Map<string, ActiveRun>();

  constructor(
    private readonly db: Db,
    private readonly runs: RunService,
    private readonly sessions: SessionService,
    private readonly approvals: ApprovalService,
    private readonly providers: Registry<Provider>,
    private readonly hooks: GatewayHooks,
    private readonly env: RunEnvironment,
    private readonly log: Logger,
  ) {}

  /**
   * Run a claimed run to its end. Every end is written with `finishEventually`: a storage failure
   * delays it until storage recovers, never leaves the run `running`. A storage failure while
   * marking the run running throws: the run is still queued and the queue puts it back.
   */
  execute = async (queued: Run, workerId: string): Promise<void> => {
    const session = this.sessions.find(queued.session_id);
    if (!session) {
      await this.end(queued, { status: "failed", error: `session ${queued.session_id} no longer exists` });
      return;
    }
    let routed: Awaited<ReturnType<typeof routeRun>>;
    try {
      routed = await routeRun(queued, session, this.providers, this.hooks);
    } catch (err) {
      await this.end(queued, { status: "failed", error: (err as Error).message });
      return;
    }
    const provider = routed.provider;
    // Routing awaited: the run may have been canceled meanwhile.
    const fresh = this.runs.find(queued.id);
    if (!fresh || fresh.status !== "queued") return;
    const run = this.runs.markRunning(fresh, { workerId, provider: provider.name, routing: routed.routing });

    const controller = new AbortController();
    let release!: () => void;
    const active: ActiveRun = { run, controller, stop: null, pid: null, diagnostics: provider.describe?.() ?? {}, done: new Promise((r) => (release = r)) };
    this.active.set(run.id, active);
    const token = this.env.issueRunToken(run, session);
    const ctx = this.context(run, session, provider, active, token);
    try {
      const result = await provider.run(ctx);
      if (controller.signal.aborted) throw controller.signal.reason;
      await this.end(run, { status: "completed", output: result?.text ?? null, usage: result?.usage ?? null });
    } catch (err) {
      if (controller.signal.aborted && active.stop) {
        const { status, by, reason, data, inTx } = active.stop;
        await this.end(run, { status, canceledBy: status === "canceled" ? by : null, error: reason, data }, inTx);
      } else {
        const message = err instanceof Error ? err.message : String(err);
        this.log.warn("run failed", { run_id: run.id, provider: provider.name, error: message });
        await this.end(run, { status: "failed", error: message });
      }
    } finally {
      this.env.revokeRunToken(token);
      this.active.delete(run.id);
      release();
    }
  };

  /** A run's end, written once storage takes writes (logged when it has to wait). */
  private end(run: Run, end: RunEnd, inTx?: (tx: StorageTx, run: Run) => void): Promise<Run> {
    return this.runs.finishEventually(run, end, inTx, (err) =>
      this.log.warn("could not write a run's end: storage refuses writes; it is written once storage recovers", { run_id: run.id, status: end.status, err: String(err) }),
    );
  }

  private context(run: Run, session: Session, provider: Provider, active: ActiveRun, token: string): RunContext {
    const log = this.log;
    const runs = this.runs;
    let history: readonly Message[] | undefined;
    return {
      run,
      session,
      prompt: run.prompt,
      // Read on first use: a provider that needs no transcript (codex keeps its own thread) does
      // not pay for loading a long session's every message on each run.
      get history() {
        return (history ??= runs.transcriptBefore(run));
      },
      threadId: this.sessions.threadId(session.id, provider.name),
      setThreadId: (threadId) => this.sessions.setThreadId(session.id, run.id, provider.name, threadId),
      signal: active.controller.signal,
      env: Object.freeze({
        AGENTD_URL: this.env.url(),
        AGENTD_RUN_ID: run.id,
        AGENTD_SESSION_ID: session.id,
        AGENTCTL_URL: this.env.url(),
        AGENTCTL_AUTH_TOKEN: token,
      }),
      emit: (eventType, data) => this.db.writeNow((w) => void w.event(session.id, run.id, eventType, data)).durable,
      setPid: (pid) => {
        active.pid = pid;
        this.runs.setPid(run.id, pid, pid ? processStart(pid) : null);
      },
      setDiagnostics: (facts) => Object.assign(active.diagnostics, facts),
      requestApproval: (approval, opts) =>
        this.approvals.request(run, session, approval, { timeoutMs: opts.timeoutMs, signal: opts.signal ? AbortSignal.any([active.controller.signal, opts.signal]) : active.controller.signal }),
      log,
    };
  }

  /** Ask an active run to stop. Resolves when the provider returned, or after `graceMs`. */
  async stop(runId: string, stop: RunStop, graceMs: number): Promise<boolean> {
    const active = this.active.get(runId);
    if (!active) return false;
    active.stop ??= stop;
    active.controller.abort(new Error(stop.reason));
    await Promise.race([active.done, new Promise((r) => setTimeout(r, graceMs).unref())]);
    return true;
  }
}
