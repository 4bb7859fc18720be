import { Type, type Static } from "@sinclair/typebox";
import type { RunStatus } from "../types.ts";

/**
 * Request schemas: the single source of truth for validation, TypeScript types and the API docs.
 * Unknown fields are rejected everywhere (`additionalProperties: false`).
 */
const strict = { additionalProperties: false } as const;
const IdempotencyKey = Type.String({ minLength: 1, maxLength: 200, description: "Idempotency key (or the Idempotency-Key header)" });
const ProviderName = Type.String({ minLength: 1, maxLength: 64, pattern: "^[a-z0-9][a-z0-9_-]*$", description: '"auto" or a registered provider' });
const Text = Type.String({ minLength: 1, maxLength: 1_000_000 });
const Id = Type.String({ minLength: 1, maxLength: 100 });
/** A model name reaches providers' command lines (codex -m): no leading "-", spaces or shell characters. */
export const ModelName = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: "^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$",
  description: 'a model name: a letter or digit, then letters, digits and . _ : / - (at most 128 characters), e.g. "gpt-5-codex"',
});
/**
 * A provider's working directory: absolute and normalized (so "../../etc" or "a/./b" tricks cannot
 * hide where a process runs), with no NUL or control characters. Whether it exists is the
 * provider's check (codex fails the run naming the path).
 */
export const Cwd = Type.String({
  minLength: 1,
  maxLength: 4096,
  pattern: "^(?!.*//)(?!.*/\\.{1,2}(?:/|$))(?!.+/$)/[^\\u0000-\\u001f\\u007f]*$",
  description: "an absolute, normalized path (starts with /; no empty, . or .. segments; no trailing /; no control characters)",
});

const Multitask = Type.Union([Type.Literal("enqueue"), Type.Literal("reject"), Type.Literal("interrupt")], {
  description: 'when a run of the session is queued or running: "enqueue" (wait), "reject" (409) or "interrupt" (cancel it, then run this)',
});

export const CreateSessionBody = Type.Object(
  {
    title: Type.Optional(Type.String({ maxLength: 500 })),
    provider: Type.Optional(ProviderName),
    model: Type.Optional(ModelName),
    cwd: Type.Optional(Cwd),
    multitask: Type.Optional(Multitask),
    wake_on_child_events: Type.Optional(Type.Boolean({ description: "queue a run in this session when a child ends or raises an escalation (default false)" })),
    idempotency_key: Type.Optional(IdempotencyKey),
  },
  strict,
);

export const SendMessageBody = Type.Object(
  {
    text: Text,
    role: Type.Optional(Type.Literal("user", { description: "only user messages can be posted" })),
    provider: Type.Optional(ProviderName),
    model: Type.Optional(ModelName),
    multitask: Type.Optional(Multitask),
    idempotency_key: Type.Optional(IdempotencyKey),
  },
  strict,
);

export const CreateRunBody = Type.Object(
  {
    session_id: Id,
    prompt: Text,
    provider: Type.Optional(ProviderName),
    model: Type.Optional(ModelName),
    multitask: Type.Optional(Multitask),
    idempotency_key: Type.Optional(IdempotencyKey),
  },
  strict,
);

export const TransitionBody = Type.Object(
  {
    to_status: Type.Union([Type.Literal("queued"), Type.Literal("running"), Type.Literal("completed"), Type.Literal("failed"), Type.Literal("canceled")]),
    reason: Type.Optional(Type.String({ maxLength: 2000 })),
    idempotency_key: Type.Optional(IdempotencyKey),
  },
  strict,
);

export const CancelBody = Type.Object(
  {
    reason: Type.Optional(Type.String({ maxLength: 2000 })),
    idempotency_key: Type.Optional(IdempotencyKey),
  },
  strict,
);

export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ pattern: "^[0-9]{1,15}$", description: "next_cursor of the previous page" })),
    parent_session_id: Type.Optional(Id),
  },
  strict,
);

export const RunListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ pattern: "^[0-9]{1,15}$", description: "next_cursor of the previous page" })),
    session_id: Type.Optional(Id),
    status: Type.Optional(Type.Union(["queued", "running", "completed", "failed", "canceled"].map((s) => Type.Literal(s as RunStatus)))),
  },
  strict,
);

export const EventsQuery = Type.Object(
  {
    cursor: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  strict,
);

export const WaitQuery = Type.Object(
  {
    timeout_s: Type.Optional(Type.Number({ minimum: 0, maximum: 3600, default: 30 })),
    interval_ms: Type.Optional(Type.Integer({ minimum: 10, maximum: 60_000, default: 1000, description: "accepted for compatibility; waits are event-driven" })),
  },
  strict,
);

export const EmptyQuery = Type.Object({}, strict);

export type CreateSessionBody = Static<typeof CreateSessionBody>;
export type SendMessageBody = Static<typeof SendMessageBody>;
