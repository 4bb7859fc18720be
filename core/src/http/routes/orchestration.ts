import type Router from "@koa/router";
import type { Context } from "koa";
import { validation } from "../../errors.ts";
import type { Gateway } from "../../kernel/gateway.ts";
import type { EscalationRequested, EscalationResolved } from "../../services/escalations.ts";
import type { Spawned } from "../../services/orchestration.ts";
import type { Enqueued } from "../../services/runs.ts";
import { ESCALATION_DECISIONS, ESCALATION_KINDS } from "../../types.ts";
import { mutate } from "../idempotent.ts";
import type { AgentdState } from "../middleware.ts";
import { EscalationsQuery, ReplyParentBody, ResolveBody, SendBody, SpawnBody } from "../orchestration-schemas.ts";
import { EmptyQuery } from "../schemas.ts";
import { validateBody, validateQuery } from "../validate.ts";

const state = (ctx: Context): AgentdState => ctx.state as AgentdState;

/** A wrong enum value names the allowed ones in the message itself, not only in `details`. */
function checkEnum(body: unknown, field: string, allowed: readonly string[]): void {
  const value = (body as Record<string, unknown> | undefined)?.[field];
  if (value !== undefined && (typeof value !== "string" || !allowed.includes(value))) {
    throw validation(`invalid request body: /${field} must be one of ${allowed.join(", ")}; got ${JSON.stringify(value)}`, [
      { path: `/${field}`, keyword: "enum", message: `must be one of ${allowed.join(", ")}`, allowed },
    ]);
  }
}

/** Agent-to-agent routes: spawn, send, reply-parent, escalations, children (docs/agent-to-agent.md). */
export function orchestrationRoutes(router: Router, gateway: Gateway): void {
  const svc = () => gateway.services;

  router.post("/runs/:id/spawn", async (ctx) => {
    validateQuery(EmptyQuery, ctx.query);
    const body = validateBody(SpawnBody, state(ctx).body);
    const { idempotency_key: _key, ...input } = body;
    await mutate(ctx, svc().idempotency, {
      status: 201,
      render: (r: Spawned) => ({ session: r.session, run: r.run }),
      perform: (inTx) => svc().orchestration.spawn(ctx.params.id, input, { actor: state(ctx).principal, inTx }),
    });
  });

  // A child of a session from outside any run (client, operator); same body, hooks and limits.
  router.post("/sessions/:id/spawn", async (ctx) => {
    validateQuery(EmptyQuery, ctx.query);
    // An unknown (or someone else's) session is a 404 whatever the body says.
    svc().sessions.get(ctx.params.id, state(ctx).principal);
    const body = validateBody(SpawnBody, state(ctx).body);
    const { idempotency_key: _key, ...input } = body;
    await mutate(ctx, svc().idempotency, {
      status: 201,
      render: (r: Spawned) => ({ session: r.session, run: r.run }),
      perform: (inTx) => svc().orchestration.spawnFromSession(ctx.params.id, input, { actor: state(ctx).principal, inTx }),
    });
  });

  router.post("/sessions/:id/send", async (ctx) => {
    validateQuery(EmptyQuery, ctx.query);
    const body = validateBody(SendBody, state(ctx).body);
    await mutate(ctx, svc().idempotency, {
      status: 201,
      render: (r: Enqueued) => ({ message: r.message, run: r.run }),
      perform: (inTx) => svc().orchestration.send(ctx.params.id, { text: body.text }, { actor: state(ctx).principal, inTx }),
    });
  });

  router.post("/runs/:id/reply-parent", async (ctx) => {
    validateQuery(EmptyQuery, ctx.query);
    // An unknown run is a 404 whatever the body says (agentctl inside a dead run learns that first).
    svc().runs.get(ctx.params.id, state(ctx).principal);
    checkEnum(state(ctx).body, "request_kind", ESCALATION_KINDS);
    const body = validateBody(ReplyParentBody, state(ctx).body);
    await mutate(ctx, svc().idempotency, {
      status: 201,
      render: (r: EscalationRequested) => r,
      perform: (inTx) => svc().escalations.request(ctx.params.id, { text: body.text, kind: body.request_kind }, { actor: state(ctx).principal, inTx }),
    });
  });

  router.get("/escalations", (ctx) => {
    const q = validateQuery(EscalationsQuery, ctx.query);
    ctx.body = { escalations: svc().escalations.listVisible(state(ctx).principal, q.status) };
  });

  router.get("/escalations/:id", (ctx) => {
    validateQuery(EmptyQuery, ctx.query);
    ctx.body = { escalation: svc().escalations.get(ctx.params.id, state(ctx).principal) };
  });

  router.post("/escalations/:id/resolve", async (ctx) => {
    validateQuery(EmptyQuery, ctx.query);
    checkEnum(state(ctx).body, "decision", ESCALATION_DECISIONS);
    const body = validateBody(ResolveBody, state(ctx).body);
    await mutate(ctx, svc().idempotency, {
      status: 200,
      render: (r: EscalationResolved) => r,
      perform: (inTx) => svc().escalations.resolve(ctx.params.id, { decision: body.decision, text: body.text ?? "" }, { actor: state(ctx).principal, inTx }),
    });
  });

  router.get("/sessions/:id/escalations", (ctx) => {
    const q = validateQuery(EscalationsQuery, ctx.query);
    ctx.body = { escalations: svc().escalations.listForParent(ctx.params.id, state(ctx).principal, q.status) };
  });

  router.get("/sessions/:id/children", (ctx) => {
    validateQuery(EmptyQuery, ctx.query);
    ctx.body = { children: svc().orchestration.children(ctx.params.id, state(ctx).principal) };
  });
}
