/**
 * agentd-route-by-prefix: a routing plugin in one file. An "auto" run whose prompt starts with
 * `@<provider>` (e.g. "@shout hello") goes to that provider when it is registered and available;
 * every other run passes to the next `routeProvider` tap, in the end the built-in order
 * (codex, claude-code, embedded). `--route-prefix-marker` changes the "@".
 * Load it with `bin/agentd --plugin ./examples/route-by-prefix/src/index.ts` (docs/plugins.md).
 */
import { definePlugin, Type } from "@agentd/core";

export default definePlugin({
  name: "route-by-prefix",
  version: "0.1.0",
  description: "example routing: auto runs whose prompt starts with @<provider> go to that provider",
  configSchema: Type.Object({ marker: Type.String({ minLength: 1, maxLength: 10, default: "@" }) }, { additionalProperties: false }),
  options: [{ flag: "--route-prefix-marker", env: ["AGENTD_ROUTE_PREFIX_MARKER"], key: "marker", type: "string", description: 'what starts a provider name in a prompt (default "@")' }],
  apply(gateway, config) {
    // Stage 0 (the default): before the built-in order, which sits at stage 1000.
    gateway.hooks.routeProvider.tapPromise("route-by-prefix", async ({ run, providers }) => {
      if (!run.prompt.startsWith(config.marker)) return undefined;
      const name = run.prompt.slice(config.marker.length).split(/\s/, 1)[0] ?? "";
      const provider = providers.get(name);
      if (!provider) return undefined; // not a provider name: let the next tap decide
      const availability = provider.availability ? await provider.availability() : { ok: true };
      if (!availability.ok) return undefined;
      return { provider: name, reason: `auto: route-by-prefix claimed it (the prompt starts with ${config.marker}${name})` };
    });
  },
});
