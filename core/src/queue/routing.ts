import { AgentdError } from "../errors.ts";
import type { GatewayHooks, RouteAnswer, RouteRequest } from "../kernel/hooks.ts";
import type { Registry } from "../kernel/registry.ts";
import type { Provider } from "../providers/types.ts";
import type { RoutingDecision, Run, Session } from "../types.ts";

/**
 * The built-in preference order for "auto": a real coding agent when one is installed (codex,
 * then Claude Code), else the embedded runtime. A plugin tapping `routeProvider` answers first.
 */
export const AUTO_ORDER = ["codex", "claude-code", "embedded"] as const;

/** Stage of the built-in tap: after every tap with the default stage 0 (or anything below 1000). */
export const DEFAULT_ROUTE_STAGE = 1000;

/**
 * Register the built-in order as the last `routeProvider` tap. Called once at boot after the
 * plugins applied, so it is both the last registered and the highest stage: it always answers.
 */
export function tapDefaultRouting(hooks: GatewayHooks): void {
  hooks.routeProvider.tapPromise({ name: "agentd:auto-order", stage: DEFAULT_ROUTE_STAGE }, (request) => builtInOrder(request));
}

async function builtInOrder({ providers }: RouteRequest): Promise<RouteAnswer> {
  const skipped: string[] = [];
  for (const name of AUTO_ORDER) {
    const provider = providers.get(name);
    if (!provider) continue;
    const availability = provider.availability ? await provider.availability() : { ok: true };
    if (availability.ok) return { provider: name, reason: skipped.length ? `auto: ${skipped.join("; ")}; using ${name}` : `auto: ${name} is available` };
    skipped.push(`${name} unavailable (${availability.reason ?? "no reason given"})`);
  }
  const fallback = providers.list()[0];
  if (!fallback) throw new AgentdError("provider_unavailable", "no provider is registered; load a provider plugin (e.g. provider-embedded)");
  return { provider: fallback.name, reason: `auto: ${skipped.join("; ") || "no preferred provider registered"}; using ${fallback.name}` };
}

/** Pick the provider for a run. The decision (and why) is stored on the run for diagnose. */
export async function routeRun(run: Run, session: Session, providers: Registry<Provider>, hooks: GatewayHooks): Promise<{ provider: Provider; routing: RoutingDecision }> {
  const requested = run.requested_provider;
  if (requested !== "auto") {
    const provider = providers.get(requested);
    if (!provider) {
      throw new AgentdError("provider_unavailable", `provider "${requested}" is not registered in this daemon (registered: ${providers.names().join(", ") || "none"}); load its plugin with --plugin or change the session's provider`);
    }
    return { provider, routing: { requested, resolved: requested, reason: "requested explicitly" } };
  }
  const answer = await hooks.routeProvider.promise({ run, session, providers });
  if (!answer) throw new AgentdError("provider_unavailable", "no routeProvider tap answered for an auto run (the built-in order was not registered?)");
  const provider = providers.get(answer.provider);
  if (!provider) {
    throw new AgentdError("provider_unavailable", `a routeProvider tap chose provider "${answer.provider}", which is not registered (registered: ${providers.names().join(", ")}); fix or remove the routing plugin (${answer.reason})`);
  }
  return { provider, routing: { requested, resolved: provider.name, reason: answer.reason } };
}
