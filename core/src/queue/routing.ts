import { AgentdError } from "../errors.ts";
import type { Registry } from "../kernel/registry.ts";
import type { Provider } from "../providers/types.ts";
import type { RoutingDecision } from "../types.ts";

/** Preference order for "auto": a real coding agent when one is installed, else the embedded runtime. */
export const AUTO_ORDER = ["codex", "embedded"] as const;

/** Pick the provider for a run. The decision (and why) is stored on the run for diagnose. */
export async function routeRun(requested: string, providers: Registry<Provider>): Promise<{ provider: Provider; routing: RoutingDecision }> {
  if (requested !== "auto") {
    const provider = providers.get(requested);
    if (!provider) {
      throw new AgentdError("provider_unavailable", `provider "${requested}" is not registered in this daemon (registered: ${providers.names().join(", ") || "none"}); load its plugin with --plugin or change the session's provider`);
    }
    return { provider, routing: { requested, resolved: requested, reason: "requested explicitly" } };
  }
  const skipped: string[] = [];
  for (const name of AUTO_ORDER) {
    const provider = providers.get(name);
    if (!provider) continue;
    const availability = provider.availability ? await provider.availability() : { ok: true };
    if (availability.ok) {
      const reason = skipped.length ? `auto: ${skipped.join("; ")}; using ${name}` : `auto: ${name} is available`;
      return { provider, routing: { requested, resolved: name, reason } };
    }
    skipped.push(`${name} unavailable (${availability.reason ?? "no reason given"})`);
  }
  const fallback = providers.list()[0];
  if (!fallback) throw new AgentdError("provider_unavailable", "no provider is registered; load a provider plugin (e.g. provider-embedded)");
  return { provider: fallback, routing: { requested, resolved: fallback.name, reason: `auto: ${skipped.join("; ") || "no preferred provider registered"}; using ${fallback.name}` } };
}
