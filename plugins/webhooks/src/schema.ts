import { Type, type AgentEvent, type Migration } from "@agentd/core";

/** What a webhook may subscribe to, and which stored events each name stands for. */
export const WEBHOOK_EVENTS = ["run.ended", "escalation.requested", "child.announced"] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

/**
 * The webhook event an event log entry is, or null. An escalation is stored twice (on the parent
 * and on the child session); the child's copy carries the run id, so that one is delivered.
 */
export function classify(event: AgentEvent): WebhookEventName | null {
  const t = event.event_type;
  if (t === "run.completed" || t === "run.failed" || t === "run.canceled") return "run.ended";
  if (t === "escalation.requested" && event.run_id !== null) return "escalation.requested";
  if (t.startsWith("child.run.")) return "child.announced";
  return null;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "webhooks and their delivery outbox",
    sql: `
      CREATE TABLE webhooks (
        pos INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        owner TEXT NOT NULL,
        admin INTEGER NOT NULL,
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        secret TEXT NOT NULL,
        after_seq INTEGER NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX webhooks_owner ON webhooks(owner, pos);
      CREATE TABLE webhook_deliveries (
        pos INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        webhook_id TEXT NOT NULL,
        event_seq INTEGER NOT NULL,
        event TEXT NOT NULL,
        session_id TEXT NOT NULL,
        run_id TEXT,
        body TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_status INTEGER,
        last_error TEXT,
        created_at TEXT NOT NULL,
        delivered_at TEXT,
        UNIQUE (webhook_id, event_seq)
      );
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
      CREATE INDEX webhook_deliveries_run ON webhook_deliveries(run_id);
      CREATE INDEX webhook_deliveries_hook ON webhook_deliveries(webhook_id, pos)
    `,
  },
];

export const CreateWebhookBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: "an http:// or https:// URL" }),
    events: Type.Array(Type.Union(WEBHOOK_EVENTS.map((e) => Type.Literal(e))), { minItems: 1, uniqueItems: true }),
    secret: Type.Optional(Type.String({ minLength: 16, maxLength: 256 })),
  },
  { additionalProperties: false },
);

export const DeliveriesQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    cursor: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
