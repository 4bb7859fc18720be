import { definePlugin, type Provider } from "@agentd/core";
import { OFFLINE_MODEL_NAME, offlineReply } from "./offline-model.ts";

/**
 * The embedded runtime: runs a turn inside the daemon. Without a configured model API it uses the
 * deterministic offline model.
 */
export default definePlugin({
  name: "provider-embedded",
  version: "0.1.0",
  description: "in-process agent loop; offline model by default",
  apply(gateway) {
    const provider: Provider = {
      name: "embedded",
      description: "embedded runtime (offline model: deterministic, no API key)",
      describe: () => ({ model: OFFLINE_MODEL_NAME, model_backend: "offline", model_note: "offline model: deterministic echo, no model API configured" }),
      async run(ctx) {
        const text = offlineReply(ctx.prompt);
        await ctx.emit("assistant.message", { text, model: OFFLINE_MODEL_NAME });
        return { text };
      },
    };
    gateway.providers.register(provider);
  },
});
