// Claude's permission requests in agentd's approval terms and back, and the session-grant key of a
// tool call. Pure functions, no binary needed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { approvalKey, describeApproval } from "../../core/src/services/approvals.ts";
import { parsePermissionRequest, toApprovalRequest, toClaudeDecision } from "../../plugins/provider-claude-code/src/permissions.ts";

const answer = { text: "t", decided_by: "local", escalation_id: "esc_1" };

describe("claude permission requests as approvals", () => {
  it("Bash is a command approval; any other tool a tool approval with its input", () => {
    assert.deepEqual(toApprovalRequest({ tool_name: "Bash", input: { command: "ls -la", description: "list" } }, "/w"), { kind: "command", command: "ls -la", cwd: "/w", reason: "list" });
    const write = toApprovalRequest({ tool_name: "Write", input: { file_path: "/w/a.txt", content: "x" } }, "/w");
    assert.deepEqual(write, { kind: "tool", tool: "Write", input: { file_path: "/w/a.txt", content: "x" }, cwd: "/w", reason: undefined });
    assert.equal(describeApproval(write), 'approval requested to use the tool Write {"file_path":"/w/a.txt","content":"x"}');
  });

  it("a tool call's grant key ignores key order but not values", () => {
    const a = approvalKey({ kind: "tool", tool: "Write", input: { file_path: "/a", content: { x: 1, y: [1, 2] } } });
    assert.equal(a, approvalKey({ kind: "tool", tool: "Write", input: { content: { y: [1, 2], x: 1 }, file_path: "/a" } }));
    assert.notEqual(a, approvalKey({ kind: "tool", tool: "Write", input: { file_path: "/b", content: { x: 1, y: [1, 2] } } }));
    assert.notEqual(a, approvalKey({ kind: "tool", tool: "Edit", input: { file_path: "/a", content: { x: 1, y: [1, 2] } } }));
  });

  it("approve and approve_for_session allow the asked input; deny says who and why", () => {
    const req = { tool_name: "Bash", input: { command: "ls" } };
    assert.deepEqual(toClaudeDecision({ ...answer, decision: "approve" }, req), { behavior: "allow", updatedInput: { command: "ls" } });
    assert.deepEqual(toClaudeDecision({ ...answer, decision: "approve_for_session" }, req), { behavior: "allow", updatedInput: { command: "ls" } });
    assert.deepEqual(toClaudeDecision({ ...answer, decision: "deny" }, req), { behavior: "deny", message: "denied by local (escalation esc_1): t" });
  });

  it("a malformed request from the permission server is named, not guessed", () => {
    assert.equal(parsePermissionRequest(null), "the body must be a JSON object");
    assert.equal(parsePermissionRequest({ tool_name: "" }), "tool_name must be a non-empty string");
    assert.equal(parsePermissionRequest({ tool_name: "Bash", input: "ls" }), "input must be an object");
    assert.equal(parsePermissionRequest({ tool_name: "Bash", input: {}, tool_use_id: 3 }), "tool_use_id must be a string");
    assert.deepEqual(parsePermissionRequest({ tool_name: "Bash" }), { tool_name: "Bash", input: {}, tool_use_id: undefined });
  });
});
