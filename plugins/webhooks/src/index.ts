import { Type, definePlugin } from "@agentd/core";
import { Dispatcher } from "./dispatcher.ts";
import { webhookRoutes } from "./routes.ts";
import { MIGRATIONS } from "./schema.ts";
import { WebhookStore } from "./store.ts";

/**
 * Webhooks (docs/webhooks.md): per-principal URLs for run.ended, escalation.requested and
 * child.announced, HMAC-SHA256 signed, delivered from a durable outbox with retries.
 */
export default definePlugin({
  name: "webhooks",
  version: "0.1.0",
  description: "signed webhooks for run ended, escalation requested, child announced; durable outbox with retries",
  configSchema: Type.Object(
    {
      allowHosts: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
      retryBaseMs: Type.Integer({ minimum: 10, default: 5_000 }),
      retryMaxMs: Type.Integer({ minimum: 10, default: 600_000 }),
      maxAttempts: Type.Integer({ minimum: 1, default: 12 }),
      timeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
    },
    { additionalProperties: false },
  ),
  options: [
    { flag: "--webhook-allow-host", env: ["AGENTD_WEBHOOK_ALLOW_HOSTS"], key: "allowHosts", type: "string[]", description: "host names or IPs webhooks may reach even though they are private or loopback (default: none; only public addresses)" },
    { flag: "--webhook-retry-base-ms", env: ["AGENTD_WEBHOOK_RETRY_BASE_MS"], key: "retryBaseMs", type: "number", description: "first retry delay of a failed webhook delivery; doubles per attempt (default 5000)" },
    { flag: "--webhook-retry-max-ms", env: ["AGENTD_WEBHOOK_RETRY_MAX_MS"], key: "retryMaxMs", type: "number", description: "longest delay between webhook retries (default 600000)" },
    { flag: "--webhook-max-attempts", env: ["AGENTD_WEBHOOK_MAX_ATTEMPTS"], key: "maxAttempts", type: "number", description: "attempts before a webhook delivery is marked failed (default 12)" },
    { flag: "--webhook-timeout-ms", env: ["AGENTD_WEBHOOK_TIMEOUT_MS"], key: "timeoutMs", type: "number", description: "how long one webhook POST may take (default 10000)" },
  ],
  migrations: MIGRATIONS,
  apply(gateway, config) {
    const allowHosts = config.allowHosts.map((h) => h.replace(/^\[|\]$/g, "").toLowerCase());
    const store = new WebhookStore(() => gateway.services);
    const dispatcher = new Dispatcher(() => gateway.services, store, { ...config, allowHosts }, gateway.log);
    webhookRoutes(gateway, store, allowHosts);
    gateway.diagnostics.register({ name: "webhook_deliveries", forRun: (run) => store.deliveriesForRun(run.id) });
    gateway.hooks.onRunEvent.tap("webhooks", (event) => dispatcher.onEvent(event));
    // The delivery log is kept as long as events are (--event-retention-days; 0 keeps all).
    const purge = (): void => {
      const days = gateway.config.eventRetentionDays;
      if (days > 0) void store.purgeFinished(new Date(Date.now() - days * 86_400_000).toISOString()).catch((err: unknown) => gateway.log.warn("webhook delivery log purge failed; it runs again in an hour", { err: String(err) }));
    };
    const purgeTimer = setInterval(purge, 3_600_000);
    purgeTimer.unref();
    gateway.hooks.gatewayStart.tapPromise("webhooks", async () => {
      dispatcher.start();
      purge();
    });
    gateway.hooks.gatewayStop.tapPromise("webhooks", async () => {
      clearInterval(purgeTimer);
      dispatcher.stop();
    });
  },
});
