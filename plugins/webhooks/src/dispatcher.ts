import type { AgentEvent, Logger, Principal, Row, Services } from "@agentd/core";
import { classify } from "./schema.ts";
import { newDeliveryId, signature } from "./sign.ts";
import { CURSOR_KEY, type StoredWebhook, type WebhookStore } from "./store.ts";
import { postJson } from "./targets.ts";

export interface DispatchConfig {
  allowHosts: readonly string[];
  retryBaseMs: number;
  retryMaxMs: number;
  maxAttempts: number;
  timeoutMs: number;
}

/** Exponential backoff: base * 2^(attempt-1), capped. */
export const backoffMs = (attempt: number, cfg: Pick<DispatchConfig, "retryBaseMs" | "retryMaxMs">): number =>
  Math.min(cfg.retryMaxMs, cfg.retryBaseMs * 2 ** Math.max(0, attempt - 1));

/**
 * The outbox. Deliveries are derived from the durable event log: `fanOut` reads events after a
 * stored cursor and, in one transaction, inserts a delivery row per (webhook, event) and moves the
 * cursor. A kill -9 at any point either keeps both or neither, so no event is lost and none gets
 * a second delivery id. `deliverDue` sends pending rows and records each attempt; a delivery
 * whose 2xx was not recorded before a crash is sent again with the same id (receivers dedupe).
 */
export class Dispatcher {
  private fanning = false;
  private fanAgain = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<string>();
  private stopped = false;

  constructor(
    private readonly services: () => Services,
    private readonly store: WebhookStore,
    private readonly cfg: DispatchConfig,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.store.cursor() === null) {
      const seq = this.services().events.durableSeq;
      void this.services().db.write((w) => w.tx.run("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING", [CURSOR_KEY, String(seq)]));
    }
    this.kick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Called for every durable event (hot path): only webhook-worthy ones schedule work. */
  onEvent(event: AgentEvent): void {
    if (classify(event) !== null) this.kick();
  }

  kick(): void {
    // No webhook, nothing to fan out or deliver (deleting a webhook abandons its pending rows):
    // a daemon without webhooks pays no query per run end.
    if (this.stopped || this.store.all().length === 0) return;
    if (this.fanning) {
      this.fanAgain = true;
      return;
    }
    this.fanning = true;
    void this.fanOut()
      .catch((err: unknown) => {
        this.log.warn("webhook fan-out failed (storage refusing writes?); retrying in 5 s", { err: String(err) });
        setTimeout(() => this.kick(), 5_000).unref();
      })
      .finally(() => {
        this.fanning = false;
        if (this.fanAgain) {
          this.fanAgain = false;
          this.kick();
        } else this.deliverDue();
      });
  }

  private async fanOut(): Promise<void> {
    const { events, sessions, db } = this.services();
    for (;;) {
      const cursor = this.store.cursor() ?? events.durableSeq;
      const hooks = this.store.all();
      // No webhooks: nothing to write (the first webhook moves the cursor past older events).
      if (hooks.length === 0) return;
      const batch = events.read({ after: cursor, limit: 200 });
      const last = batch.length ? batch[batch.length - 1].seq : cursor;
      if (last === cursor) return;
      await db.write((w) => {
        for (const event of batch) {
          const kind = classify(event);
          if (!kind) continue;
          const session = sessions.find(event.session_id);
          for (const hook of hooks) {
            if (!hook.events.includes(kind) || event.seq <= hook.after_seq) continue;
            const owner: Principal = { id: hook.owner, admin: hook.admin };
            if (!session || !sessions.canAccess(owner, session)) continue;
            const id = newDeliveryId();
            const runId = event.run_id ?? (typeof event.data.child_run_id === "string" ? event.data.child_run_id : null);
            const body = JSON.stringify({ id, type: kind, webhook_id: hook.id, created_at: event.created_at, event });
            w.tx.run(
              `INSERT INTO webhook_deliveries (id, webhook_id, event_seq, event, session_id, run_id, body, status, attempts, next_attempt_at, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (webhook_id, event_seq) DO NOTHING`,
              [id, hook.id, event.seq, kind, event.session_id, runId, body, Date.now(), new Date().toISOString()],
            );
          }
        }
        w.tx.run("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [CURSOR_KEY, String(last)]);
      });
      if (batch.length < 200) return;
    }
  }

  /** Send every due delivery not already in flight, then sleep until the next one is due. */
  private deliverDue(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const { db } = this.services();
    const due = db.read.all("SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT 50", [Date.now()]);
    for (const row of due) {
      if (this.inFlight.has(String(row.id))) continue;
      this.inFlight.add(String(row.id));
      void this.attempt(row).then(
        () => {
          this.inFlight.delete(String(row.id));
          this.deliverDue();
        },
        (err: unknown) => {
          // The outcome could not be recorded (storage refusing writes): try again later, not in a loop.
          this.log.warn("webhook delivery outcome not recorded; retrying in 5 s", { delivery_id: row.id, err: String(err) });
          setTimeout(() => {
            this.inFlight.delete(String(row.id));
            this.deliverDue();
          }, 5_000).unref();
        },
      );
    }
    const next = db.read.get<{ t: number | null }>("SELECT MIN(next_attempt_at) AS t FROM webhook_deliveries WHERE status = 'pending'");
    if (next?.t != null && this.inFlight.size === 0) {
      this.timer = setTimeout(() => this.deliverDue(), Math.max(0, Number(next.t) - Date.now()));
      this.timer.unref();
    }
  }

  private async attempt(row: Row): Promise<void> {
    const hook: StoredWebhook | undefined = this.store.find(String(row.webhook_id));
    const { db } = this.services();
    if (!hook) {
      await db.write((w) => w.tx.run("UPDATE webhook_deliveries SET status = 'abandoned', last_error = 'the webhook was deleted' WHERE id = ?", [row.id]));
      return;
    }
    const body = String(row.body);
    const result = await postJson(hook.url, body, {
      "agentd-signature": signature(hook.secret, body, Math.floor(Date.now() / 1000)),
      "agentd-delivery": String(row.id),
      "agentd-event": String(row.event),
    }, this.cfg);
    const attempts = Number(row.attempts) + 1;
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    const error = ok ? null : result.error ?? `receiver answered HTTP ${result.status}`;
    const status = ok ? "delivered" : attempts >= this.cfg.maxAttempts ? "failed" : "pending";
    if (this.stopped) return; // storage may be closing; the attempt is retried after restart
    await db.write((w) =>
      w.tx.run("UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_status = ?, last_error = ?, delivered_at = ? WHERE id = ?", [
        status, attempts, Date.now() + backoffMs(attempts, this.cfg), result.status, error, ok ? new Date().toISOString() : null, row.id,
      ]),
    );
    if (status === "failed") this.log.warn("webhook delivery gave up", { delivery_id: row.id, webhook_id: hook.id, attempts, error });
  }
}
