import { Ajv, type ValidateFunction } from "ajv";
import type { Registry, ToolContext, ToolDefinition } from "@agentd/core";
import type { ChatCompletionTool } from "openai/resources/chat/completions";
import type { ToolCallRequest } from "./model-call.ts";

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });
/** Compiled once per tool object (ajv's cache is keyed by schema identity). */
const validators = new WeakMap<ToolDefinition, ValidateFunction>();

/** Tool results longer than this are cut before they go back to the model. */
const MAX_RESULT_CHARS = 64 * 1024;

export interface ToolOutcome {
  ok: boolean;
  /** What the model sees as the tool message. */
  content: string;
  /** What the `tool.result` event records. */
  result?: unknown;
  error?: string;
}

/** The registry's tools as the Chat Completions `tools` parameter. */
export function toolSchemas(tools: Registry<ToolDefinition>): ChatCompletionTool[] {
  return tools.list().map((t) => ({ type: "function", function: { name: t.name, description: t.description, parameters: t.parameters } }));
}

function validatorFor(tool: ToolDefinition): ValidateFunction {
  let v = validators.get(tool);
  if (!v) {
    v = ajv.compile(tool.parameters);
    validators.set(tool, v);
  }
  return v;
}

const failure = (error: string): ToolOutcome => ({ ok: false, error, content: JSON.stringify({ error }) });

/**
 * Run one tool call. Every problem (unknown tool, bad JSON, arguments that fail the schema, a
 * tool that throws) goes back to the model as the tool result, so it can correct itself.
 */
export async function runToolCall(tools: Registry<ToolDefinition>, call: ToolCallRequest, ctx: ToolContext): Promise<ToolOutcome> {
  const tool = tools.get(call.name);
  if (!tool) return failure(`unknown tool "${call.name}"; available tools: ${tools.names().join(", ") || "none"}`);
  let args: unknown;
  try {
    args = call.arguments.trim() === "" ? {} : JSON.parse(call.arguments);
  } catch (err) {
    return failure(`arguments for ${call.name} are not valid JSON (${(err as Error).message}); send a JSON object`);
  }
  if (typeof args !== "object" || args === null || Array.isArray(args)) return failure(`arguments for ${call.name} must be a JSON object`);
  const validate = validatorFor(tool);
  if (!validate(args)) {
    const problems = (validate.errors ?? []).map((e) => {
      const extra = e.keyword === "additionalProperties" ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : "";
      return `${e.instancePath || "/"} ${e.message}${extra}`;
    });
    return failure(`invalid arguments for ${call.name}: ${problems.join("; ")}`);
  }
  try {
    const result = await tool.execute(args as Record<string, unknown>, ctx);
    const text = typeof result === "string" ? result : JSON.stringify(result ?? null);
    const content = text.length > MAX_RESULT_CHARS ? `${text.slice(0, MAX_RESULT_CHARS)}\n[truncated: ${text.length} chars in total]` : text;
    return { ok: true, content, result };
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    return failure(`${call.name} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
