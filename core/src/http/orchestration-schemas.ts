import { Type } from "@sinclair/typebox";
import { Cwd, ModelName } from "./schemas.ts";
import { ESCALATION_DECISIONS, ESCALATION_KINDS, ESCALATION_STATUSES, type EscalationDecisionKind, type EscalationKind, type EscalationStatus } from "../types.ts";

/** Request schemas of the agent-to-agent routes (docs/api-contract.md, "Agent to agent"). */
const strict = { additionalProperties: false } as const;
const IdempotencyKey = Type.String({ minLength: 1, maxLength: 200, description: "Idempotency key (or the Idempotency-Key header)" });
const Text = Type.String({ minLength: 1, maxLength: 1_000_000 });

export const SpawnBody = Type.Object(
  {
    task: Text,
    provider: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: "^[a-z0-9][a-z0-9_-]*$", description: '"auto" or a registered provider; default: the parent session\'s' })),
    cwd: Type.Optional(Cwd),
    model: Type.Optional(ModelName),
    wake_parent: Type.Optional(Type.Boolean({ description: "queue a run in the parent session when this child ends or raises an escalation (default false)" })),
    idempotency_key: Type.Optional(IdempotencyKey),
  },
  strict,
);

export const SendBody = Type.Object({ text: Text, idempotency_key: Type.Optional(IdempotencyKey) }, strict);

// `enum` (not a union of literals) so a wrong value gets one error listing the allowed values.
export const ReplyParentBody = Type.Object(
  {
    text: Text,
    request_kind: Type.Unsafe<EscalationKind>({ type: "string", enum: [...ESCALATION_KINDS] }),
    idempotency_key: Type.Optional(IdempotencyKey),
  },
  strict,
);

export const ResolveBody = Type.Object(
  {
    decision: Type.Unsafe<EscalationDecisionKind>({ type: "string", enum: [...ESCALATION_DECISIONS] }),
    text: Type.Optional(Type.String({ maxLength: 1_000_000, default: "" })),
    idempotency_key: Type.Optional(IdempotencyKey),
  },
  strict,
);

export const EscalationsQuery = Type.Object({ status: Type.Optional(Type.Unsafe<EscalationStatus>({ type: "string", enum: [...ESCALATION_STATUSES] })) }, strict);
