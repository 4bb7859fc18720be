import type { Row } from "../storage/types.ts";
import type { Message, MessageRole, Run, RunStatus, Session } from "../types.ts";

// Row -> domain object mappers, in one place so every reader agrees on JSON columns and nulls.
const str = (v: unknown): string => String(v);
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const json = <T>(v: unknown): T | null => (typeof v === "string" ? (JSON.parse(v) as T) : null);

export function toSession(r: Row): Session {
  return {
    id: str(r.id),
    title: strOrNull(r.title),
    provider: str(r.provider),
    model: strOrNull(r.model),
    cwd: strOrNull(r.cwd),
    owner: str(r.owner),
    parent_session_id: strOrNull(r.parent_session_id),
    parent_run_id: strOrNull(r.parent_run_id),
    root_session_id: str(r.root_session_id),
    depth: Number(r.depth),
    multitask: (r.multitask ?? "enqueue") as Session["multitask"],
    wake_parent: Number(r.wake_parent ?? 0) === 1,
    wake_on_child_events: Number(r.wake_on_child_events ?? 0) === 1,
    created_at: str(r.created_at),
    updated_at: str(r.updated_at),
  };
}

export function toMessage(r: Row): Message {
  return {
    id: str(r.id),
    session_id: str(r.session_id),
    run_id: strOrNull(r.run_id),
    role: str(r.role) as MessageRole,
    text: str(r.text),
    meta: json(r.meta),
    created_at: str(r.created_at),
  };
}

export function toRun(r: Row): Run {
  return {
    id: str(r.id),
    session_id: str(r.session_id),
    status: str(r.status) as RunStatus,
    requested_provider: str(r.requested_provider),
    provider: strOrNull(r.provider),
    model: strOrNull(r.model),
    message_id: strOrNull(r.message_id),
    prompt: str(r.prompt),
    output: strOrNull(r.output),
    error: strOrNull(r.error),
    usage: json(r.usage),
    worker_id: strOrNull(r.worker_id),
    pid: r.pid === null || r.pid === undefined ? null : Number(r.pid),
    canceled_by: strOrNull(r.canceled_by),
    routing: json(r.routing),
    waiting: json(r.waiting),
    created_at: str(r.created_at),
    started_at: strOrNull(r.started_at),
    ended_at: strOrNull(r.ended_at),
  };
}

export const now = (): string => new Date().toISOString();
