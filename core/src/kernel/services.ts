import type { Logger } from "../providers/types.ts";
import { RunExecutor } from "../queue/run-executor.ts";
import { RunQueue } from "../queue/run-queue.ts";
import { tapDefaultRouting } from "../queue/routing.ts";
import { Db } from "../services/db.ts";
import { announceToParent } from "../services/announcements.ts";
import { ApprovalService } from "../services/approvals.ts";
import { EscalationService } from "../services/escalations.ts";
import { EventLog } from "../services/event-log.ts";
import { IdempotencyService } from "../services/idempotency.ts";
import { EventRetention } from "../services/retention.ts";
import { OrchestrationService } from "../services/orchestration.ts";
import { RunControl } from "../services/run-control.ts";
import { RunService } from "../services/runs.ts";
import { StreamBudget } from "../streaming/stream-budget.ts";
import { StreamLimiter } from "../streaming/stream-limits.ts";
import { SessionService } from "../services/sessions.ts";
import { ParentWake } from "../services/wake.ts";
import type { Gateway } from "./gateway.ts";

/** The services plugins and routes use, wired once storage is open. */
export interface Services {
  db: Db;
  events: EventLog;
  sessions: SessionService;
  runs: RunService;
  idempotency: IdempotencyService;
  queue: RunQueue;
  executor: RunExecutor;
  control: RunControl;
  /** Agent to agent: spawn, send, children (docs/agent-to-agent.md). */
  orchestration: OrchestrationService;
  escalations: EscalationService;
  approvals: ApprovalService;
  retention: EventRetention;
  streams: StreamLimiter;
  /** One buffered-bytes budget for every stream of every transport (--max-stream-buffer-bytes). */
  streamBudget: StreamBudget;
}

export function createServices(gateway: Gateway, log: Logger): Services {
  const storage = gateway.storage;
  const events = new EventLog(storage);
  events.init();
  const db = new Db(storage, events, gateway.hooks, log);
  const sessions = new SessionService(db);
  const runs = new RunService(db, sessions, gateway.hooks, gateway.providers, gateway.config);
  tapDefaultRouting(gateway.hooks); // after every plugin's taps: the built-in order answers last
  const wake = new ParentWake(runs);
  const approvals = new ApprovalService(db, sessions, gateway.hooks, log, wake);
  runs.onFinishInTx(approvals.closeForFinishedRun);
  const streams = new StreamLimiter(gateway.config.maxStreamsPerPrincipal);
  const executor = new RunExecutor(db, runs, sessions, approvals, gateway.providers, gateway.hooks, {
    url: () => gateway.url,
    issueRunToken: (run, session) => gateway.auth.issueRunToken(run, session),
    // The run ended: its token, its stream tickets and the streams it opened all end with it.
    revokeRunToken: (token) => {
      const principal = gateway.auth.revokeRunToken(token);
      if (principal) streams.revoke(principal.id);
    },
  }, log);
  const queue = new RunQueue(gateway.config.maxConcurrency, runs, executor.execute, log);
  runs.attachQueue(queue);
  runs.onFinishInTx((w, run) => announceToParent(w, run, wake));
  const control = new RunControl(runs, queue, executor, db);
  runs.attachInterrupter(async (busy, actor, reason) => void (await Promise.all(busy.map((run) => control.cancel(runs.find(run.id) ?? run, actor, reason).catch(() => undefined)))));
  const orchestration = new OrchestrationService(db, sessions, runs, gateway.hooks, gateway.providers);
  const escalations = new EscalationService(db, sessions, runs, orchestration, gateway.hooks, approvals, wake);
  return { db, events, sessions, runs, idempotency: new IdempotencyService(storage), queue, executor, control, orchestration, escalations, approvals, retention: new EventRetention(db, gateway.config.eventRetentionDays), streams, streamBudget: new StreamBudget(gateway.config.maxStreamBufferBytes, log) };
}
