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
  const executor = new RunExecutor(db, runs, sessions, approvals, gateway.providers, gateway.hooks, {
    url: () => gateway.url,
    issueRunToken: (run, session) => gateway.auth.issueRunToken(run, session),
    revokeRunToken: (token) => gateway.auth.revokeRunToken(token),
  }, log);
  const queue = new RunQueue(gateway.config.maxConcurrency, runs, executor.execute, log);
  runs.attachQueue(queue);
  runs.onFinishInTx((w, run) => announceToParent(w, run, wake));
  const orchestration = new OrchestrationService(db, sessions, runs, gateway.hooks, gateway.providers);
  const escalations = new EscalationService(db, sessions, runs, orchestration, gateway.hooks, approvals, wake);
  return { db, events, sessions, runs, idempotency: new IdempotencyService(storage), queue, executor, control: new RunControl(runs, queue, executor, db), orchestration, escalations, approvals, retention: new EventRetention(db, gateway.config.eventRetentionDays), streams: new StreamLimiter(gateway.config.maxStreamsPerPrincipal) };
}
