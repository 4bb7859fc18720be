/** codex app-server approval requests <-> agentd approvals. */
import type { ApprovalAnswer, ApprovalRequest } from "@agentd/core";
import { fileChanges } from "./events.ts";
import type { Json, ServerRequest } from "./rpc.ts";

export const APPROVAL_METHODS = new Set(["item/commandExecution/requestApproval", "item/fileChange/requestApproval"]);

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * What codex asks, in agentd's terms. For a command, the command the agent wrote (codex's single
 * `commandActions` entry) rather than codex's `/bin/bash -c '...'` wrapper, so a policy can match
 * `git status`; a patch approval names only its item, whose changes came with `item/started`.
 */
export function toApprovalRequest(req: ServerRequest, items: ReadonlyMap<string, Json>): ApprovalRequest {
  const p = req.params;
  if (req.method === "item/fileChange/requestApproval") {
    const item = typeof p.itemId === "string" ? items.get(p.itemId) : undefined;
    const grant = str(p.grantRoot) ? `asks write access under ${str(p.grantRoot)} for the rest of the session` : undefined;
    const reason = [str(p.reason), grant].filter(Boolean).join("; ") || undefined;
    return { kind: "file_change", changes: fileChanges(item), reason };
  }
  const actions = Array.isArray(p.commandActions) ? (p.commandActions as Json[]) : [];
  const inner = actions.length === 1 ? str(actions[0].command) : undefined;
  return { kind: "command", command: inner ?? str(p.command) ?? "", cwd: str(p.cwd), reason: str(p.reason) };
}

/** agentd's decision as codex's: the text stays in agentd (the protocol carries only the decision). */
export function toCodexDecision(answer: ApprovalAnswer): "accept" | "acceptForSession" | "decline" {
  if (answer.decision === "approve") return "accept";
  if (answer.decision === "approve_for_session") return "acceptForSession";
  return "decline";
}
