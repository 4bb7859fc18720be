import OpenAI from "openai";
import type { ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";
import type { Principal, ProviderResult, Registry, RunContext, RunUsage, ToolContext, ToolDefinition } from "@agentd/core";
import type { ApiTarget, EmbeddedConfig } from "./config.ts";
import { DeltaCoalescer } from "@agentd/core";
import { callModel, type StepResult } from "./model-call.ts";
import { backoffMs, classify, sleep } from "./retry.ts";
import { runToolCall, toolSchemas } from "./tool-runner.ts";


/** Placeholder for servers that need no key (Ollama, llama.cpp): the SDK insists on one. */
const NO_KEY = "agentd-no-api-key";

/** The conversation so far: persisted transcript (the session is the thread) plus this run's prompt. */
export function buildMessages(ctx: RunContext, systemPrompt: string | undefined): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = systemPrompt ? [{ role: "system", content: systemPrompt }] : [];
  for (const m of ctx.history) messages.push({ role: m.role, content: m.text });
  messages.push({ role: "user", content: ctx.prompt });
  return messages;
}

/** Tools act as the run: the same rights as the run's own agentctl token (its session tree). */
export function runPrincipal(ctx: RunContext): Principal {
  const { run, session } = ctx;
  return { id: `run:${run.id}`, admin: false, run: { run_id: run.id, session_id: session.id, root_session_id: session.root_session_id, owner: session.owner } };
}

/**
 * The agent loop: call the model (streaming), run the tools it asks for, feed the results back,
 * until it answers without tool calls or `maxSteps` model calls were made.
 */
export async function runAgentLoop(ctx: RunContext, config: EmbeddedConfig, target: ApiTarget, tools: Registry<ToolDefinition>): Promise<ProviderResult> {
  const client = new OpenAI({ baseURL: target.baseUrl, apiKey: process.env[target.apiKeyEnv] || NO_KEY, maxRetries: 0 });
  const messages = buildMessages(ctx, config.systemPrompt);
  const schemas: ChatCompletionTool[] = toolSchemas(tools);
  const toolCtx: ToolContext = { run: ctx.run, session: ctx.session, principal: runPrincipal(ctx), signal: ctx.signal };
  const usage = { input_tokens: 0, output_tokens: 0, cached_input_tokens: 0, total_tokens: 0 };
  let sawUsage = false;
  const pending: Promise<void>[] = [];

  for (let step = 1; step <= config.maxSteps; step++) {
    ctx.setDiagnostics({ model_step: step });
    const result = await callWithRetries(ctx, config, target, { client, messages, tools: schemas, step, pending });
    if (result.usage) {
      sawUsage = true;
      usage.input_tokens += result.usage.prompt_tokens;
      usage.output_tokens += result.usage.completion_tokens;
      usage.cached_input_tokens += result.usage.cached_tokens;
      usage.total_tokens += result.usage.prompt_tokens + result.usage.completion_tokens;
    }
    if (result.toolCalls.length === 0) {
      await Promise.all(pending);
      await ctx.emit("assistant.message", { text: result.text, model: target.model, steps: step, finish_reason: result.finishReason });
      return { text: result.text, usage: sawUsage ? (usage satisfies RunUsage) : undefined };
    }
    if (step === config.maxSteps) {
      const names = [...new Set(result.toolCalls.map((c) => c.name))].join(", ");
      await Promise.all(pending);
      throw new Error(`step limit of ${config.maxSteps} reached: the model still wanted to call ${names} after ${step} model calls; raise --max-steps (or "maxSteps" in the config file) or ask for a smaller task`);
    }
    messages.push({
      role: "assistant",
      content: result.text || null,
      tool_calls: result.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } })),
    });
    for (const call of result.toolCalls) {
      await ctx.emit("tool.call", { step, call_id: call.id, name: call.name, arguments: call.arguments });
      const outcome = await runToolCall(tools, call, toolCtx);
      await ctx.emit("tool.result", { step, call_id: call.id, name: call.name, ok: outcome.ok, ...(outcome.ok ? { result: outcome.result ?? null } : { error: outcome.error }) });
      messages.push({ role: "tool", tool_call_id: call.id, content: outcome.content });
    }
  }
  throw new Error(`step limit of ${config.maxSteps} reached`); // unreachable: the loop returns or throws
}

interface StepInput {
  client: OpenAI;
  messages: ChatCompletionMessageParam[];
  tools: ChatCompletionTool[];
  step: number;
  /** Delta events in flight; awaited before the final message so the log stays ordered and durable. */
  pending: Promise<void>[];
}

/**
 * One model step with the retry policy: 429/5xx/connection errors/idle timeouts are retried with
 * backoff (Retry-After wins) up to `maxRetries` times, each announced as a `model.retry` event.
 * Once text has streamed, a failure is final: retrying would repeat text clients already showed.
 */
async function callWithRetries(ctx: RunContext, config: EmbeddedConfig, target: ApiTarget, input: StepInput): Promise<StepResult> {
  for (let attempt = 0; ; attempt++) {
    let streamed = false;
    const coalescer = new DeltaCoalescer((text) => {
      const p = ctx.emit("assistant.delta", { step: input.step, text });
      p.catch(() => undefined); // awaited later through `pending`
      input.pending.push(p);
    });
    try {
      const result = await callModel({
        client: input.client,
        model: target.model,
        messages: input.messages,
        tools: input.tools,
        signal: ctx.signal,
        idleTimeoutMs: config.idleTimeoutMs,
        onText: (text) => {
          streamed = true;
          coalescer.push(text);
        },
      });
      coalescer.flush();
      return result;
    } catch (err) {
      if (ctx.signal.aborted) {
        coalescer.discard();
        throw err;
      }
      coalescer.flush();
      const failure = classify(err, target, config.idleTimeoutMs);
      if (!failure.retryable) throw new Error(failure.message);
      if (streamed) throw new Error(`${failure.message}, after part of the answer had streamed (not retried: it would repeat text already sent)`);
      if (attempt >= config.maxRetries) {
        throw new Error(`${failure.message}; gave up after ${attempt + 1} attempt${attempt ? "s" : ""} (raise --model-max-retries to try longer)`);
      }
      if (failure.retryAfterMs !== null && failure.retryAfterMs > config.retryMaxDelayMs) {
        throw new Error(`${failure.message}; the server asks to retry after ${Math.ceil(failure.retryAfterMs / 1000)} s, longer than the ${config.retryMaxDelayMs} ms this daemon waits ("retryMaxDelayMs"); try again later`);
      }
      const delay = backoffMs(attempt, config.retryBaseMs, config.retryMaxDelayMs, failure.retryAfterMs);
      await ctx.emit("model.retry", {
        step: input.step,
        attempt: attempt + 1,
        max_retries: config.maxRetries,
        delay_ms: delay,
        status: failure.status,
        retry_after_ms: failure.retryAfterMs,
        reason: failure.message,
      });
      ctx.log.warn("model call failed, retrying", { run_id: ctx.run.id, step: input.step, attempt: attempt + 1, delay_ms: delay, reason: failure.message });
      await sleep(delay, ctx.signal);
    }
  }
}
