import type { Enqueued } from "../../services/runs.ts";
import type { RunOutcome } from "../../services/run-control.ts";
import type { Run } from "../../types.ts";
import type Router from "@koa/router";
import type { Context } from "koa";
import type { Gateway } from "../../kernel/gateway.ts";
import { mutate } from "../idempotent.ts";
import type { AgentdState } from "../middleware.ts";
import { CancelBody, CreateRunBody, EmptyQuery, RunListQuery, TransitionBody, WaitQuery } from "../schemas.ts";
import { listRuns } from "../../services/run-list.ts";
import { validateBody, validateQuery } from "../validate.ts";
import { diagnoseRun } from "./diagnose.ts";
import { refuseRunToken } from "./run-scope.ts";

const state = (ctx: Context): AgentdState => ctx.state as AgentdState;

/** 200 once the run is terminal; 202 while its provider is still stopping (docs/api-contract.md). */
const outcomeStatus = (o: RunOutcome): number => (o.stopping ? 202 : 200);
const renderOutcome = (o: RunOutcome): { run: Run; stopping?: true } => (o.stopping ? { run: o.run, stopping: true } : { run: o.run });

export function runRoutes(router: Router, gateway: Gateway): void {
  const svc = () => gateway.services;

  router.post("/runs", async (ctx) => {
    validateQuery(EmptyQuery, ctx.query);
    const body = validateBody(CreateRunBody, state(ctx).body);
    const session = svc().sessions.get(body.session_id, state(ctx).principal);
    refuseRunToken(state(ctx).principal, "queuing a run with POST /runs (to reach a session below yours use POST /sessions/:id/send)");
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
    refuseRunToken(state(ctx).principal, "changing a run's status (POST /runs/:id/transition)");
    await mutate(ctx, svc().idempotency, {
      status: outcomeStatus,
      render: renderOutcome,
      perform: (inTx) => svc().control.transition(run, body.to_status, state(ctx).principal, body.reason, inTx),
    });
  });

  router.post("/runs/:id/cancel", async (ctx) => {
    validateQuery(EmptyQuery, ctx.query);
    const body = validateBody(CancelBody, state(ctx).body);
    const run = svc().runs.get(ctx.params.id, state(ctx).principal);
    refuseRunToken(state(ctx).principal, "canceling a run (POST /runs/:id/cancel)");
    await mutate(ctx, svc().idempotency, {
      status: outcomeStatus,
      render: renderOutcome,
      perform: (inTx) => svc().control.cancel(run, state(ctx).principal, body.reason, inTx),
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
    ctx.body = { run, diagnostics: await diagnoseRun(gateway, run, state(ctx).principal) };
  });
}
