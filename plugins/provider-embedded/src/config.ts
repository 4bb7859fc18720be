import { Type, type PluginOption, type Static } from "@agentd/core";

/** One model endpoint: an OpenAI-compatible base URL, a model id and where its API key lives. */
const ModelEntry = Type.Object(
  {
    baseUrl: Type.String({ minLength: 1, description: "OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1" }),
    model: Type.String({ minLength: 1 }),
    apiKeyEnv: Type.Optional(Type.String({ minLength: 1, description: "name of the env variable holding the key" })),
  },
  { additionalProperties: false },
);

export const EmbeddedConfigSchema = Type.Object(
  {
    baseUrl: Type.Optional(Type.String({ minLength: 1 })),
    model: Type.Optional(Type.String({ minLength: 1 })),
    apiKeyEnv: Type.String({ minLength: 1, default: "OPENAI_API_KEY" }),
    /** Named endpoints; a session's `model` may name one. */
    models: Type.Record(Type.String({ minLength: 1 }), ModelEntry, { default: {} }),
    /** The entry used when a session names no model and no --model-base-url/--model is set. */
    defaultModel: Type.Optional(Type.String({ minLength: 1 })),
    systemPrompt: Type.Optional(Type.String()),
    maxSteps: Type.Integer({ minimum: 1, maximum: 1000, default: 20 }),
    idleTimeoutMs: Type.Integer({ minimum: 100, default: 120_000 }),
    maxRetries: Type.Integer({ minimum: 0, maximum: 20, default: 3 }),
    retryBaseMs: Type.Integer({ minimum: 0, default: 500 }),
    retryMaxDelayMs: Type.Integer({ minimum: 0, default: 30_000 }),
  },
  { additionalProperties: false },
);
export type EmbeddedConfig = Static<typeof EmbeddedConfigSchema>;

export const EMBEDDED_OPTIONS: readonly PluginOption[] = [
  { flag: "--model-base-url", env: ["AGENTD_MODEL_BASE_URL"], key: "baseUrl", type: "string", description: "OpenAI-compatible base URL for the embedded runtime (e.g. http://127.0.0.1:11434/v1); unset = offline model" },
  { flag: "--model", env: ["AGENTD_MODEL"], key: "model", type: "string", description: "model id for the embedded runtime (e.g. llama3.2)" },
  { flag: "--model-api-key-env", env: ["AGENTD_MODEL_API_KEY_ENV"], key: "apiKeyEnv", type: "string", description: "name of the env variable holding the model API key (default OPENAI_API_KEY)" },
  { flag: "--max-steps", env: ["AGENTD_MAX_STEPS"], key: "maxSteps", type: "number", description: "model calls per run before the embedded runtime stops (default 20)" },
  { flag: "--model-idle-timeout-ms", env: ["AGENTD_MODEL_IDLE_TIMEOUT_MS"], key: "idleTimeoutMs", type: "number", description: "give up on a model that sends nothing for this long (default 120000)" },
  { flag: "--model-max-retries", env: ["AGENTD_MODEL_MAX_RETRIES"], key: "maxRetries", type: "number", description: "retries of a model call after 429/5xx/timeouts (default 3)" },
];

/** What one run talks to: a concrete endpoint, or the offline model. */
export type ModelTarget =
  | { backend: "offline"; note: string }
  | { backend: "openai-compatible"; entry: string | null; baseUrl: string; model: string; apiKeyEnv: string };

export type ApiTarget = Extract<ModelTarget, { backend: "openai-compatible" }>;

export const OFFLINE_NAMES = new Set(["offline"]);

/** True when any model API is configured (else everything runs on the offline model). */
export function hasModelApi(config: EmbeddedConfig): boolean {
  return Boolean(config.baseUrl) || Object.keys(config.models).length > 0;
}

/** The endpoint used when the session names no model. */
function defaultTarget(config: EmbeddedConfig): ApiTarget | null {
  if (config.baseUrl && config.model) return { backend: "openai-compatible", entry: null, baseUrl: config.baseUrl, model: config.model, apiKeyEnv: config.apiKeyEnv };
  const name = config.defaultModel ?? (config.baseUrl ? undefined : Object.keys(config.models)[0]);
  const entry = name ? config.models[name] : undefined;
  if (name && entry) return { backend: "openai-compatible", entry: name, baseUrl: entry.baseUrl, model: entry.model, apiKeyEnv: entry.apiKeyEnv ?? config.apiKeyEnv };
  return null;
}

/**
 * Pick the endpoint for a run. `requested` (the run's or session's `model`) may name an entry of
 * `models`, "offline", or a raw model id served by the default base URL.
 * Throws a message that says what to configure when the request cannot be served.
 */
export function resolveTarget(config: EmbeddedConfig, requested: string | null): ModelTarget {
  if (!hasModelApi(config)) {
    const ignored = requested && !OFFLINE_NAMES.has(requested) ? ` (the session asks for model "${requested}", ignored)` : "";
    return { backend: "offline", note: `offline model: deterministic echo, no model API configured${ignored}; set --model-base-url and --model to use a real model` };
  }
  if (requested && OFFLINE_NAMES.has(requested)) return { backend: "offline", note: "offline model requested by the session" };
  if (requested) {
    const entry = config.models[requested];
    if (entry) return { backend: "openai-compatible", entry: requested, baseUrl: entry.baseUrl, model: entry.model, apiKeyEnv: entry.apiKeyEnv ?? config.apiKeyEnv };
    // A raw model id: served by --model-base-url, else by the default entry's endpoint.
    const fallback = config.baseUrl ? null : defaultTarget(config);
    const baseUrl = config.baseUrl ?? fallback?.baseUrl;
    if (baseUrl) return { backend: "openai-compatible", entry: null, baseUrl, model: requested, apiKeyEnv: fallback?.apiKeyEnv ?? config.apiKeyEnv };
  }
  const target = defaultTarget(config);
  if (target) return target;
  if (config.baseUrl && !config.model) {
    throw new Error(`--model-base-url is set (${config.baseUrl}) but no model is: set --model (or AGENTD_MODEL), or give the session a model`);
  }
  throw new Error(`no default model: name one of the configured models (${Object.keys(config.models).join(", ")}) as the session's model, or set "defaultModel"`);
}

/** Static facts for diagnose and status. */
export function describeConfig(config: EmbeddedConfig): Record<string, unknown> {
  if (!hasModelApi(config)) return { model: "offline", model_backend: "offline", model_note: "offline model: deterministic echo, no model API configured" };
  let target: ModelTarget | null = null;
  try {
    target = resolveTarget(config, null);
  } catch {
    /* no default: reported below */
  }
  return {
    model_backend: "openai-compatible",
    model: target?.backend === "openai-compatible" ? target.model : null,
    model_base_url: target?.backend === "openai-compatible" ? target.baseUrl : null,
    model_entries: Object.keys(config.models),
    max_steps: config.maxSteps,
    model_idle_timeout_ms: config.idleTimeoutMs,
    model_max_retries: config.maxRetries,
  };
}
