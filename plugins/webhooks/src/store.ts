import { notFound, type Principal, type Row, type Services } from "@agentd/core";
import { newWebhookId } from "./sign.ts";
import type { WebhookEventName } from "./schema.ts";

export interface Webhook {
  id: string;
  owner: string;
  url: string;
  events: WebhookEventName[];
  created_at: string;
}

export interface Delivery {
  id: string;
  webhook_id: string;
  event: WebhookEventName;
  event_seq: number;
  session_id: string;
  run_id: string | null;
  status: "pending" | "delivered" | "failed" | "abandoned";
  attempts: number;
  next_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface StoredWebhook extends Webhook {
  admin: boolean;
  secret: string;
  after_seq: number;
}

export const CURSOR_KEY = "webhooks:cursor";

const toWebhook = (r: Row): StoredWebhook => ({
  id: String(r.id), owner: String(r.owner), url: String(r.url), events: JSON.parse(String(r.events)) as WebhookEventName[],
  created_at: String(r.created_at), admin: r.admin === 1, secret: String(r.secret), after_seq: Number(r.after_seq),
});
export const publicWebhook = ({ id, owner, url, events, created_at }: StoredWebhook): Webhook => ({ id, owner, url, events, created_at });

export const toDelivery = (r: Row): Delivery => ({
  id: String(r.id), webhook_id: String(r.webhook_id), event: String(r.event) as WebhookEventName, event_seq: Number(r.event_seq),
  session_id: String(r.session_id), run_id: r.run_id === null ? null : String(r.run_id), status: String(r.status) as Delivery["status"],
  attempts: Number(r.attempts), next_attempt_at: r.status === "pending" ? new Date(Number(r.next_attempt_at)).toISOString() : null,
  last_status: r.last_status === null ? null : Number(r.last_status), last_error: r.last_error === null ? null : String(r.last_error),
  created_at: String(r.created_at), delivered_at: r.delivered_at === null ? null : String(r.delivered_at),
});

/** Webhooks and deliveries in the plugin's own tables; ownership works like sessions'. */
export class WebhookStore {
  constructor(private readonly services: () => Services) {}

  private cache: StoredWebhook[] | null = null;

  private get db() {
    return this.services().db;
  }

  async create(principal: Principal, input: { url: string; events: WebhookEventName[]; secret: string }): Promise<StoredWebhook> {
    const hook: StoredWebhook = {
      id: newWebhookId(), owner: principal.id, admin: principal.admin, url: input.url, events: input.events, secret: input.secret,
      // Only events after registration are delivered: a new webhook never replays history.
      after_seq: this.services().events.durableSeq, created_at: new Date().toISOString(),
    };
    await this.db.write((w) => {
      // The first webhook: the fan-out cursor skips what happened before (nothing to deliver).
      if (!w.tx.get("SELECT id FROM webhooks LIMIT 1")) {
        w.tx.run("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [CURSOR_KEY, String(hook.after_seq)]);
      }
      w.tx.run("INSERT INTO webhooks (id, owner, admin, url, events, secret, after_seq, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
        hook.id, hook.owner, hook.admin ? 1 : 0, hook.url, JSON.stringify(hook.events), hook.secret, hook.after_seq, hook.created_at,
      ]);
    });
    this.cache = null;
    return hook;
  }

  /** Every webhook; cached, since this store is the table's only writer and run ends read it. */
  all(): StoredWebhook[] {
    return (this.cache ??= this.db.read.all("SELECT * FROM webhooks ORDER BY pos").map(toWebhook));
  }

  find(id: string): StoredWebhook | undefined {
    const row = this.db.read.get("SELECT * FROM webhooks WHERE id = ?", [id]);
    return row ? toWebhook(row) : undefined;
  }

  /** A webhook the principal owns (admins: any), else 404 as for sessions. */
  get(id: string, principal: Principal): StoredWebhook {
    const hook = this.find(id);
    if (!hook || !(principal.admin || hook.owner === principal.id)) throw notFound("webhook", id);
    return hook;
  }

  list(principal: Principal): StoredWebhook[] {
    return this.all().filter((h) => principal.admin || h.owner === principal.id);
  }

  /** Delete and abandon its pending deliveries (kept in the log). */
  async remove(hook: StoredWebhook): Promise<void> {
    await this.db.write((w) => {
      w.tx.run("DELETE FROM webhooks WHERE id = ?", [hook.id]);
      w.tx.run("UPDATE webhook_deliveries SET status = 'abandoned', last_error = 'the webhook was deleted' WHERE webhook_id = ? AND status = 'pending'", [hook.id]);
    });
    this.cache = null;
  }

  deliveries(webhookId: string, after: number, limit: number): { deliveries: Delivery[]; next_cursor: number | null } {
    const rows = this.db.read.all("SELECT * FROM webhook_deliveries WHERE webhook_id = ? AND pos > ? ORDER BY pos LIMIT ?", [webhookId, after, limit + 1]);
    const page = rows.slice(0, limit);
    return { deliveries: page.map(toDelivery), next_cursor: rows.length > limit ? Number(page[page.length - 1].pos) : null };
  }

  deliveriesForRun(runId: string): Delivery[] {
    return this.db.read.all("SELECT * FROM webhook_deliveries WHERE run_id = ? ORDER BY pos LIMIT 200", [runId]).map(toDelivery);
  }

  /** Forget finished deliveries created before `beforeIso` (pending ones are always kept). */
  async purgeFinished(beforeIso: string): Promise<void> {
    await this.db.write((w) => w.tx.run("DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < ?", [beforeIso]));
  }

  cursor(): number | null {
    const row = this.db.read.get("SELECT value FROM kv WHERE key = ?", [CURSOR_KEY]);
    return row ? Number(row.value) : null;
  }
}
