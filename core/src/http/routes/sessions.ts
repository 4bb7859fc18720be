import type { Enqueued } from "../../services/runs.ts";
import type Router from "@koa/router";
import type { Context } from "koa";
import type { Gateway } from "../../kernel/gateway.ts";
import { mutate } from "../idempotent.ts";
import type { AgentdState } from "../middleware.ts";
import { CreateSessionBody, EmptyQuery, EventsQuery, PageQuery, SendMessageBody } from "../schemas.ts";
import { validateBody, validateQuery } from "../validate.ts";
import { validation } from "../../errors.ts";
import { refuseRunToken } from "./run-scope.ts";

const state = (ctx: Context): AgentdState => ctx.state as AgentdState;

export function sessionRoutes(router: Router, gateway: Gateway): void {
  const svc = () => gateway.services;

  router.post("/sessions", async (ctx) => {
    validateQuery(EmptyQuery, ctx.query);
    refuseRunToken(state(ctx).principal, "creating a session (POST /sessions)");
    const body = validateBody(CreateSessionBody, state(ctx).body);
    if (body.provider && body.provider !== "auto" && !gateway.providers.has(body.provider)) {
      throw validation(`unknown provider "${body.provider}"; registered: auto, ${gateway.providers.names().join(", ")}`, [{ path: "/provider", keyword: "enum", message: "unknown provider", allowed: ["auto", ...gateway.providers.names()] }]);
    }
    await mutate(ctx, svc().idempotency, {
      status: 201,
      render: (session) => ({ session }),
      perform: (inTx) => svc().sessions.create({ ...body, wakeOnChildEvents: body.wake_on_child_events }, { actor: state(ctx).principal, inTx }),
    });
  });

  router.get("/sessions", (ctx) => {
    const q = validateQuery(PageQuery, ctx.query);
    const page = svc().sessions.list(state(ctx).principal, { limit: q.limit ?? 50, cursor: q.cursor, parentSessionId: q.parent_session_id });
    ctx.body = { sessions: svc().sessions.withLatestRuns(page.items), next_cursor: page.next_cursor };
  });

  router.get("/sessions/:id", (ctx) => {
    validateQuery(EmptyQuery, ctx.query);
    ctx.body = { session: svc().sessions.get(ctx.params.id, state(ctx).principal) };
  });

  router.get("/sessions/:id/messages", (ctx) => {
    validateQuery(EmptyQuery, ctx.query);
    const session = svc().sessions.get(ctx.params.id, state(ctx).principal);
    ctx.body = { messages: svc().sessions.messages(session.id) };
  });

  router.post("/sessions/:id/messages", async (ctx) => {
    validateQuery(EmptyQuery, ctx.query);
    const body = validateBody(SendMessageBody, state(ctx).body);
    const session = svc().sessions.get(ctx.params.id, state(ctx).principal);
    refuseRunToken(state(ctx).principal, "queuing a run with POST /sessions/:id/messages (to reach a session below yours use POST /sessions/:id/send)");
    await mutate(ctx, svc().idempotency, {
      status: 201,
      keyRequired: true,
      render: (r: Enqueued) => ({ message: r.message, run: r.run }),
      perform: (inTx) => svc().runs.enqueue(session, { text: body.text, provider: body.provider, model: body.model, multitask: body.multitask }, { actor: state(ctx).principal, inTx }),
    });
  });

  router.get("/sessions/:id/events", (ctx) => {
    const q = validateQuery(EventsQuery, ctx.query);
    const session = svc().sessions.get(ctx.params.id, state(ctx).principal);
    const cursor = q.cursor ?? 0;
    svc().retention.assertCursor(cursor);
    const events = svc().events.read({ sessionId: session.id, after: cursor, limit: q.limit ?? 100 });
    ctx.body = { events, next_cursor: events.length ? events[events.length - 1].seq : cursor };
  });
}
