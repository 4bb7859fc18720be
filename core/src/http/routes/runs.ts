import type { Enqueued } from "../../services/runs.ts";
import type Router from "@koa/router";
import type { Context } from "koa";
import type { Gateway } from "../../kernel/gateway.ts";
import { mutate } from "../idempotent.ts";
import type { AgentdState } from "../middleware.ts";
import { CancelBody, CreateRunBody, EmptyQuery, RunListQuery, TransitionBody, WaitQuery } from "../schemas.ts";
import { listRuns } from "../../services/run-list.ts";
import { validateBody, validateQuery } from "../validate.ts";
import { diagnoseRun } from "./diagnose.ts";

const state = (ctx: Context): AgentdState => ctx.state as AgentdState;

export function runRoutes(router: Router, gateway: Gateway): void {
  const svc = () => gateway.services;

  router.post("/runs", async (ctx) => {
    validateQuery(EmptyQuery, ctx.query);
    const body = validateBody(CreateRunBody, state(ctx).body);
    const session = svc().sessions.get(body.session_id, state(ctx).principal);
    await mutate(ctx, svc().idempotency, {
      status: 201,
      render: (r: Enqueued) => ({ message: r.message, run: r.run }),
      perform: (inTx) => svc().runs.enqueue(session, { text: body.prompt, provider: body.provider, model: body.model, multitask: body.multitask }, { actor: state(ctx).principal, inTx }),
    });
  });

  router.get("/runs", (ctx) => {
    const q = validateQuery(RunListQuery, ctx.query);
    const principal = state(ctx).principal;
    // A session filter the caller cannot see is a 404, as for GET /sessions/:id.
    if (q.session_id) svc().sessions.get(q.session_id, principal);
    const page = listRuns(svc().db.read, svc().sessions, principal, { limit: q.limit ?? 50, cursor: q.cursor, sessionId: q.session_id, status: q.status });
    ctx.body = { runs: page.items, next_cursor: page.next_cursor };
  });

  router.get("/runs/:id", (ctx) => {
    validateQuery(EmptyQuery, ctx.query);
    ctx.body = { run: svc().runs.get(ctx.params.id, state(ctx).principal) };
  });

  router.post("/runs/:id/transition", async (ctx) => {
    validateQuery(EmptyQuery, ctx.query);
    const body = validateBody(TransitionBody, state(ctx).body);
    const run = svc().runs.get(ctx.params.id, state(ctx).principal);
    await mutate(ctx, svc().idempotency, {
      status: 200,
      render: (r) => ({ run: r }),
      perform: () => svc().control.transition(run, body.to_status, state(ctx).principal, body.reason),
    });
  });

  router.post("/runs/:id/cancel", async (ctx) => {
    validateQuery(EmptyQuery, ctx.query);
    const body = validateBody(CancelBody, state(ctx).body);
    const run = svc().runs.get(ctx.params.id, state(ctx).principal);
    await mutate(ctx, svc().idempotency, {
      status: 200,
      render: (r) => ({ run: r }),
      perform: () => svc().control.cancel(run, state(ctx).principal, body.reason),
    });
  });

  router.get("/runs/:id/wait", async (ctx) => {
    const q = validateQuery(WaitQuery, ctx.query);
    const run = svc().runs.get(ctx.params.id, state(ctx).principal);
    const { run: latest, timedOut } = await svc().runs.wait(run, Math.round((q.timeout_s ?? 30) * 1000));
    ctx.body = { run: latest, timed_out: timedOut };
  });

  router.get("/runs/:id/diagnose", async (ctx) => {
    validateQuery(EmptyQuery, ctx.query);
    const run = svc().runs.get(ctx.params.id, state(ctx).principal);
    ctx.body = { run, diagnostics: await diagnoseRun(gateway, run) };
  });
}
