import type OpenAI from "openai";
import type { ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";
import { IdleTimeoutError, IncompleteStreamError } from "./retry.ts";

export interface ToolCallRequest {
  id: string;
  name: string;
  /** Raw JSON text as the model wrote it (may be invalid). */
  arguments: string;
}

export interface StepUsage {
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
}

export interface StepResult {
  text: string;
  toolCalls: ToolCallRequest[];
  finishReason: string | null;
  usage: StepUsage | null;
}

export interface ModelCallOptions {
  client: OpenAI;
  model: string;
  messages: ChatCompletionMessageParam[];
  tools: ChatCompletionTool[];
  signal: AbortSignal;
  idleTimeoutMs: number;
  onText(text: string): void;
}

/**
 * One streaming Chat Completions call. The idle timer restarts on every streamed chunk; when it
 * fires, the request is aborted and an IdleTimeoutError is thrown. A canceled run rethrows the
 * run signal's reason so the executor ends the run `canceled`.
 */
export async function callModel(opts: ModelCallOptions): Promise<StepResult> {
  const idle = new AbortController();
  let timer: NodeJS.Timeout | null = null;
  const armIdle = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => idle.abort(new IdleTimeoutError("idle timeout")), opts.idleTimeoutMs);
  };
  const signal = AbortSignal.any([opts.signal, idle.signal]);
  const calls = new Map<number, ToolCallRequest>();
  let text = "";
  let finishReason: string | null = null;
  let usage: StepUsage | null = null;
  armIdle();
  try {
    const stream = await opts.client.chat.completions.create(
      {
        model: opts.model,
        messages: opts.messages,
        stream: true,
        stream_options: { include_usage: true },
        ...(opts.tools.length ? { tools: opts.tools } : {}),
      },
      // maxRetries 0: our own retry policy runs (and shows as model.retry events).
      { signal, maxRetries: 0, timeout: opts.idleTimeoutMs + 1000 },
    );
    for await (const chunk of stream) {
      armIdle();
      if (chunk.usage) {
        usage = {
          prompt_tokens: chunk.usage.prompt_tokens ?? 0,
          completion_tokens: chunk.usage.completion_tokens ?? 0,
          cached_tokens: chunk.usage.prompt_tokens_details?.cached_tokens ?? 0,
        };
      }
      const choice = chunk.choices[0];
      if (!choice) continue;
      if (choice.delta?.content) {
        text += choice.delta.content;
        opts.onText(choice.delta.content);
      }
      for (const part of choice.delta?.tool_calls ?? []) {
        const call = calls.get(part.index) ?? { id: "", name: "", arguments: "" };
        if (part.id) call.id = part.id;
        if (part.function?.name) call.name += part.function.name;
        if (part.function?.arguments) call.arguments += part.function.arguments;
        calls.set(part.index, call);
      }
      if (choice.finish_reason) finishReason = choice.finish_reason;
    }
  } catch (err) {
    if (opts.signal.aborted) throw opts.signal.reason;
    if (idle.signal.aborted) throw idle.signal.reason;
    throw err;
  } finally {
    if (timer) clearTimeout(timer);
  }
  // The SDK's stream iterator ends quietly on abort instead of throwing: check why it ended.
  if (opts.signal.aborted) throw opts.signal.reason;
  if (idle.signal.aborted) throw idle.signal.reason;
  if (finishReason === null) throw new IncompleteStreamError("the stream ended before the model said it was done (no finish_reason)");
  const toolCalls = [...calls.entries()].sort(([a], [b]) => a - b).map(([index, c]) => ({ ...c, id: c.id || `call_${index}` }));
  return { text, toolCalls, finishReason, usage };
}
