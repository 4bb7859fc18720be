/** Claude Code permission requests <-> agentd approvals (the native approval API). */
import type { ApprovalAnswer, ApprovalRequest } from "@agentd/core";

/** What claude sends to its `--permission-prompt-tool`. */
export interface ClaudePermissionRequest {
  tool_name: string;
  input: Record<string, unknown>;
  tool_use_id?: string;
}

/** The permission-prompt tool's answer claude understands (the tool result's text is this JSON). */
export type ClaudePermissionDecision = { behavior: "allow"; updatedInput: Record<string, unknown> } | { behavior: "deny"; message: string };

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * In agentd's terms: Bash is a "command" (so a policy or a session grant matches the command line,
 * as for codex), anything else a "tool" with its name and input. Claude's own `description` of
 * the call is the reason.
 */
export function toApprovalRequest(req: ClaudePermissionRequest, cwd: string | undefined): ApprovalRequest {
  const reason = str(req.input.description);
  if (req.tool_name === "Bash" && typeof req.input.command === "string") return { kind: "command", command: req.input.command, cwd, reason };
  return { kind: "tool", tool: req.tool_name, input: req.input, cwd, reason };
}

/** agentd's answer as claude's: an approval runs the tool with the input it asked for. */
export function toClaudeDecision(answer: ApprovalAnswer, req: ClaudePermissionRequest): ClaudePermissionDecision {
  if (answer.decision !== "deny") return { behavior: "allow", updatedInput: req.input };
  return { behavior: "deny", message: `denied by ${answer.decided_by} (escalation ${answer.escalation_id})${answer.text ? `: ${answer.text}` : ""}` };
}

/** Parse and check the body the MCP permission server forwards; a string says what is wrong. */
export function parsePermissionRequest(body: unknown): ClaudePermissionRequest | string {
  if (!body || typeof body !== "object") return "the body must be a JSON object";
  const b = body as Record<string, unknown>;
  if (typeof b.tool_name !== "string" || !b.tool_name) return "tool_name must be a non-empty string";
  if (b.input !== undefined && (typeof b.input !== "object" || b.input === null || Array.isArray(b.input))) return "input must be an object";
  if (b.tool_use_id !== undefined && typeof b.tool_use_id !== "string") return "tool_use_id must be a string";
  return { tool_name: b.tool_name, input: (b.input as Record<string, unknown> | undefined) ?? {}, tool_use_id: b.tool_use_id as string | undefined };
}
