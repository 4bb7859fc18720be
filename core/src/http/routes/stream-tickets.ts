import type Router from "@koa/router";
import { Type } from "@sinclair/typebox";
import type { Gateway } from "../../kernel/gateway.ts";
import type { AgentdState } from "../middleware.ts";
import { validateBody } from "../validate.ts";

export const DEFAULT_TICKET_TTL_S = 60;

const TicketBody = Type.Object(
  { ttl_s: Type.Optional(Type.Integer({ minimum: 1, maximum: 300, description: "seconds the ticket stays redeemable (default 60)" })) },
  { additionalProperties: false },
);

/** `POST /stream/tickets`: trade the caller's credentials for one single-use `/stream?ticket=` (browsers). */
export function streamTicketRoutes(router: Router, gateway: Gateway): void {
  router.post("/stream/tickets", (ctx) => {
    const body = validateBody(TicketBody, (ctx.state as AgentdState).body);
    const issued = gateway.auth.tickets.issue((ctx.state as AgentdState).principal, (body.ttl_s ?? DEFAULT_TICKET_TTL_S) * 1000);
    ctx.status = 201;
    ctx.body = issued;
  });
}
