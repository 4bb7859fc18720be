import { ESCALATION_DECISIONS, ESCALATION_KINDS, type EscalationDecisionKind, type EscalationKind, type Gateway, type ToolDefinition } from "@agentd/core";
import { waitForRuns } from "./wait.ts";

const obj = (properties: Record<string, unknown>, required: string[] = []): Record<string, unknown> => ({ type: "object", properties, required, additionalProperties: false });
const str = (description: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ type: "string", minLength: 1, description, ...extra });

/**
 * The embedded runtime's agent-to-agent tools. Each acts with the tool context's principal (the
 * run's own, exactly like its agentctl token) through the same services as the HTTP routes, so
 * hooks, limits and permission checks are identical.
 */
export function orchestrationTools(gateway: Gateway): ToolDefinition[] {
  const svc = () => gateway.services;
  return [
    {
      name: "sessions_spawn",
      description: "Start a child agent session with a task. Returns its session_id and run_id; use sessions_wait to get its result, or set wake_parent and end your turn: your session is woken with a new run when the child ends or asks something.",
      parameters: obj({
        task: str("What the child agent should do"),
        provider: str('Provider for the child ("auto", "embedded", "codex", ...); default: yours'),
        model: str("Model for the child; default: yours"),
        wake_parent: { type: "boolean", description: "Queue a run in your session when the child ends or raises an escalation (default false)" },
      }, ["task"]),
      async execute(args, ctx) {
        const input = { task: String(args.task), provider: args.provider as string | undefined, model: args.model as string | undefined, wake_parent: args.wake_parent === true };
        const { session, run } = await svc().orchestration.spawn(ctx.run.id, input, { actor: ctx.principal });
        return { session_id: session.id, run_id: run.id, status: run.status, depth: session.depth, wake_parent: session.wake_parent };
      },
    },
    {
      name: "sessions_send",
      description: "Send a follow-up message to one of your child sessions; it queues a new run there. Returns the run_id to wait for.",
      parameters: obj({ session_id: str("A session you spawned (or one below it)"), text: str("The message") }, ["session_id", "text"]),
      async execute(args, ctx) {
        const { message, run } = await svc().orchestration.send(String(args.session_id), { text: String(args.text) }, { actor: ctx.principal });
        return { session_id: run.session_id, run_id: run.id, message_id: message.id, status: run.status };
      },
    },
    {
      name: "sessions_wait",
      description: "Wait for one or several runs to finish (default: the latest runs of every child you spawned); returns their status and output. Returns early when one of their sessions asks you something (pending_escalations): answer with sessions_send.",
      parameters: obj({
        run_id: str("One run to wait for"),
        run_ids: { type: "array", items: { type: "string", minLength: 1 }, minItems: 1, maxItems: 50, description: "Several runs to wait for" },
        timeout_s: { type: "number", minimum: 0, maximum: 3600, default: 300, description: "Give up after this many seconds" },
      }),
      async execute(args, ctx) {
        const ids = [...(typeof args.run_id === "string" ? [args.run_id] : []), ...((args.run_ids as string[] | undefined) ?? [])];
        // No ids: the latest runs of every child this run spawned.
        if (ids.length === 0) ids.push(...svc().orchestration.children(ctx.session.id, ctx.principal).filter((c) => c.session.parent_run_id === ctx.run.id && c.latest_run).map((c) => c.latest_run!.id));
        if (ids.length === 0) throw new Error("nothing to wait for: this run spawned no children; give run_id or run_ids (sessions_spawn and sessions_send return them)");
        return waitForRuns(svc(), ctx.principal, [...new Set(ids)], Math.round(Number(args.timeout_s ?? 300) * 1000), ctx.signal);
      },
    },
    {
      name: "sessions_list",
      description: "List the child sessions of your session (or of session_id, one of your descendants) with their latest run status.",
      parameters: obj({ session_id: str("Default: your own session") }),
      async execute(args, ctx) {
        const children = svc().orchestration.children(typeof args.session_id === "string" ? args.session_id : ctx.session.id, ctx.principal);
        return {
          sessions: children.map(({ session, latest_run: r }) => ({
            session_id: session.id, title: session.title, depth: session.depth, provider: session.provider,
            latest_run: r ? { run_id: r.id, status: r.status, output: r.output, error: r.error } : null,
          })),
        };
      },
    },
    {
      name: "sessions_history",
      description: "Read the transcript of one of your child sessions (newest last).",
      parameters: obj({ session_id: str("A session you spawned (or one below it)"), limit: { type: "integer", minimum: 1, maximum: 500, default: 50 } }, ["session_id"]),
      async execute(args, ctx) {
        const session = svc().sessions.get(String(args.session_id), ctx.principal);
        const messages = svc().sessions.messages(session.id).slice(-Number(args.limit ?? 50));
        return { session_id: session.id, messages: messages.map((m) => ({ role: m.role, text: m.text, run_id: m.run_id, created_at: m.created_at })) };
      },
    },
    {
      name: "reply_parent",
      description: `Ask or tell the session that spawned you something: request_kind is one of ${ESCALATION_KINDS.join(", ")}. The answer arrives as your next message.`,
      parameters: obj({ text: str("What you ask or report"), request_kind: { type: "string", enum: [...ESCALATION_KINDS] } }, ["text", "request_kind"]),
      async execute(args, ctx) {
        const r = await svc().escalations.request(ctx.run.id, { text: String(args.text), kind: args.request_kind as EscalationKind }, { actor: ctx.principal });
        return { escalation_id: r.escalation.id, status: r.escalation.status, decision: r.escalation.decision, decision_text: r.escalation.decision_text };
      },
    },
    {
      name: "escalations_resolve",
      description: "Decide an escalation a child session raised to you (its id is in the message that woke you, or in sessions_wait's pending_escalations). A native approval takes approve, approve_for_session or deny; a question takes answer with text.",
      parameters: obj({
        escalation_id: str("The escalation to decide"),
        decision: { type: "string", enum: [...ESCALATION_DECISIONS] },
        text: { type: "string", maxLength: 100_000, description: "Why, or the answer itself (required for answer)" },
      }, ["escalation_id", "decision"]),
      async execute(args, ctx) {
        const input = { decision: args.decision as EscalationDecisionKind, text: typeof args.text === "string" ? args.text : "" };
        const r = await svc().escalations.resolve(String(args.escalation_id), input, { actor: ctx.principal });
        return { escalation_id: r.escalation.id, status: r.escalation.status, decision: r.escalation.decision, delivered_run_id: r.run?.id ?? null };
      },
    },
  ];
}
