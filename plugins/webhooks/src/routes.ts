import { AgentdError, Type, validateBody, validateQuery, type AgentdState, type Gateway } from "@agentd/core";
import { CreateWebhookBody, DeliveriesQuery } from "./schema.ts";
import { newSecret } from "./sign.ts";
import { publicWebhook, type WebhookStore } from "./store.ts";
import { checkWebhookUrl } from "./targets.ts";

const EmptyQuery = Type.Object({}, { additionalProperties: false });
/** What the handlers read of Koa's context (plugins do not depend on koa's types). */
interface Ctx {
  state: unknown;
}
const state = (ctx: Ctx): AgentdState => ctx.state as AgentdState;

/** A run's own token acts for a run, not for a person: it may not register push targets. */
function principalOf(ctx: Ctx) {
  const principal = state(ctx).principal;
  if (principal.run) throw new AgentdError("forbidden", "a run token cannot manage webhooks; use the operator's token");
  return principal;
}

export function webhookRoutes(gateway: Gateway, store: WebhookStore, allowHosts: readonly string[]): void {
  const { router } = gateway;

  router.post("/webhooks", async (ctx) => {
    validateQuery(EmptyQuery, ctx.query);
    const principal = principalOf(ctx);
    const body = validateBody(CreateWebhookBody, state(ctx).body);
    const url = checkWebhookUrl(body.url, allowHosts);
    const secret = body.secret ?? newSecret();
    const hook = await store.create(principal, { url: url.href, events: body.events, secret });
    ctx.status = 201;
    // The secret is shown once, here; store it on the receiver to verify Agentd-Signature.
    ctx.body = { webhook: publicWebhook(hook), secret };
  });

  router.get("/webhooks", (ctx) => {
    validateQuery(EmptyQuery, ctx.query);
    ctx.body = { webhooks: store.list(principalOf(ctx)).map(publicWebhook) };
  });

  router.get("/webhooks/:id", (ctx) => {
    validateQuery(EmptyQuery, ctx.query);
    ctx.body = { webhook: publicWebhook(store.get(ctx.params.id, principalOf(ctx))) };
  });

  router.delete("/webhooks/:id", async (ctx) => {
    validateQuery(EmptyQuery, ctx.query);
    const hook = store.get(ctx.params.id, principalOf(ctx));
    await store.remove(hook);
    ctx.body = { webhook: publicWebhook(hook), deleted: true };
  });

  router.get("/webhooks/:id/deliveries", (ctx) => {
    const q = validateQuery(DeliveriesQuery, ctx.query);
    const hook = store.get(ctx.params.id, principalOf(ctx));
    ctx.body = store.deliveries(hook.id, q.cursor ?? 0, q.limit ?? 100);
  });
}
