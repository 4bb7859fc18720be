import { definePlugin, type Provider } from "@agentd/core";
import { runAgentLoop } from "./agent-loop.ts";
import { EMBEDDED_OPTIONS, EmbeddedConfigSchema, describeConfig, resolveTarget } from "./config.ts";
import { OFFLINE_MODEL_NAME, offlineReply } from "./offline-model.ts";

/**
 * The embedded runtime: runs a turn inside the daemon, on an OpenAI-compatible model API when
 * one is configured (--model-base-url / --model, or `models` in the config file), else on the
 * deterministic offline model. docs/embedded-runtime.md describes the loop and its events.
 */
export default definePlugin({
  name: "provider-embedded",
  version: "0.1.0",
  description: "in-process agent loop on OpenAI-compatible model APIs; offline model by default",
  configSchema: EmbeddedConfigSchema,
  options: EMBEDDED_OPTIONS,
  apply(gateway, config) {
    // Fail at boot, not on the first run, when the default endpoint is half configured.
    if (config.defaultModel && !config.models[config.defaultModel]) {
      throw new Error(`"defaultModel" names "${config.defaultModel}", which is not in "models" (${Object.keys(config.models).join(", ") || "none"})`);
    }
    checkBaseUrl("--model-base-url", config.baseUrl);
    for (const [name, entry] of Object.entries(config.models)) checkBaseUrl(`models.${name}.baseUrl`, entry.baseUrl);
    if (config.model && !config.baseUrl && Object.keys(config.models).length === 0) {
      throw new Error(`--model is set (${config.model}) but --model-base-url is not: set the OpenAI-compatible base URL, e.g. --model-base-url http://127.0.0.1:11434/v1 for a local Ollama`);
    }
    const provider: Provider = {
      name: "embedded",
      description: "embedded runtime: in-process agent loop (offline model unless a model API is configured)",
      describe: () => describeConfig(config),
      async run(ctx) {
        const target = resolveTarget(config, ctx.run.model ?? ctx.session.model);
        if (target.backend === "offline") {
          ctx.setDiagnostics({ model: OFFLINE_MODEL_NAME, model_backend: "offline", model_note: target.note });
          const text = offlineReply(ctx.prompt);
          await ctx.emit("assistant.message", { text, model: OFFLINE_MODEL_NAME });
          return { text };
        }
        ctx.setDiagnostics({
          model_backend: "openai-compatible",
          model: target.model,
          model_entry: target.entry,
          model_base_url: target.baseUrl,
          model_api_key_env: target.apiKeyEnv,
          model_api_key_set: Boolean(process.env[target.apiKeyEnv]),
        });
        return runAgentLoop(ctx, config, target, gateway.tools);
      },
    };
    gateway.providers.register(provider);
  },
});

function checkBaseUrl(where: string, value: string | undefined): void {
  if (value === undefined) return;
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    /* reported below */
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new Error(`${where} must be an http(s) URL like http://127.0.0.1:11434/v1, got "${value}"`);
  }
}
