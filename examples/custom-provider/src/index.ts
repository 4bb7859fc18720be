/**
 * agentd-provider-shout: a complete third-party plugin in one package.
 * - a provider (`shout`) that answers in capitals, streams an event per turn and resumes a thread;
 * - a daemon flag (`--shout-prefix`, env AGENTD_SHOUT_PREFIX) mapped into the plugin's config;
 * - a transport (`GET /shout/stream`: events as JSON lines);
 * - a hook tap that logs every run the provider finishes;
 * - an agentctl command (`agentctl shout say`, in src/commands).
 * Load it with `bin/agentd --plugin ./examples/custom-provider/src/index.ts` (docs/plugins.md).
 */
import { definePlugin, Type } from "@agentd/core";
import { registerNdjsonTransport } from "./ndjson-transport.ts";
import { ShoutProvider } from "./shout-provider.ts";

export default definePlugin({
  name: "shout-provider",
  version: "0.1.0",
  description: "example provider: answers in capitals",
  configSchema: Type.Object(
    {
      prefix: Type.String({ default: "", maxLength: 100 }),
      delayMs: Type.Integer({ default: 0, minimum: 0, maximum: 60_000 }),
    },
    { additionalProperties: false },
  ),
  options: [
    { flag: "--shout-prefix", env: ["AGENTD_SHOUT_PREFIX"], key: "prefix", type: "string", description: "text put before every shout reply" },
    { flag: "--shout-delay-ms", env: ["AGENTD_SHOUT_DELAY_MS"], key: "delayMs", type: "number", description: "think this long before answering (shows cancellation)" },
  ],
  apply(gateway, config) {
    gateway.providers.register(new ShoutProvider(config));
    registerNdjsonTransport(gateway, 1024 * 1024);
    // Observers run after the change is durable; they cannot alter it, and must stay cheap.
    gateway.hooks.onRunStateChange.tap("shout-provider", ({ run, to }) => {
      if (run.provider === "shout" && (to === "completed" || to === "failed" || to === "canceled")) {
        gateway.log.info("shout run ended", { run_id: run.id, status: to });
      }
    });
  },
});
