#!/usr/bin/env node
// agentd's permission tool for Claude Code: a minimal MCP server on stdio (newline-delimited
// JSON-RPC) that claude starts for one turn (--mcp-config, --permission-prompt-tool
// mcp__agentd__permission). Each permission request becomes an agentd escalation of kind
// "permission_request" raised to the run's parent session (POST /runs/:id/reply-parent, with the run's own
// token from the environment claude passes on); the decision resolved over REST is claude's answer:
// approve -> allow, deny / answer -> deny with the text. See docs/claude-code-provider.md.
// Plain JavaScript so claude can start it with `node` alone.
import { createInterface } from "node:readline";

const URL_BASE = process.env.AGENTCTL_URL ?? process.env.AGENTD_URL;
const TOKEN = process.env.AGENTCTL_AUTH_TOKEN;
const RUN_ID = process.env.AGENTD_RUN_ID;
const TIMEOUT_MS = Number(process.env.AGENTD_PERMISSION_TIMEOUT_S ?? 600) * 1000;
const POLL_MS = 250;

const send = (message) => process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const TOOL = {
  name: "permission",
  description: "agentd: asks the session that spawned this run (or its operator) whether a tool may run",
  inputSchema: {
    type: "object",
    properties: { tool_name: { type: "string" }, input: { type: "object" }, tool_use_id: { type: "string" } },
    required: ["tool_name", "input"],
  },
};

async function call(method, path, body) {
  const res = await fetch(`${URL_BASE}${path}`, {
    method,
    headers: { ...(body ? { "content-type": "application/json" } : {}), ...(TOKEN ? { authorization: `Bearer ${TOKEN}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, json, text };
}

const deny = (message) => ({ behavior: "deny", message });

/** One permission request: escalate, wait for the decision, answer claude. Never throws. */
async function decide({ tool_name: toolName, input, tool_use_id: toolUseId }) {
  if (!URL_BASE || !RUN_ID) return deny("agentd permission tool: AGENTCTL_URL / AGENTD_RUN_ID are missing, so nobody can be asked; the tool is denied");
  const summary = JSON.stringify(input ?? {});
  const text = `Claude Code asks permission to use ${toolName}: ${summary.length > 2000 ? `${summary.slice(0, 2000)}...` : summary}`;
  let asked;
  try {
    asked = await call("POST", `/runs/${encodeURIComponent(RUN_ID)}/reply-parent`, { text, request_kind: "permission_request", idempotency_key: `claude-permission-${RUN_ID}-${toolUseId ?? Date.now()}` });
  } catch (err) {
    return deny(`agentd permission tool: the daemon did not answer (${err.message}); the tool is denied`);
  }
  if (asked.status === 409 && /no parent session/.test(asked.text)) {
    return deny(`agentd: this run's session has no parent session that could approve ${toolName}, so it is denied; an operator can allow it with --claude-allowed-tools or --claude-permission-mode`);
  }
  if (asked.status !== 201 || !asked.json?.escalation) return deny(`agentd permission tool: the escalation could not be created (HTTP ${asked.status}: ${asked.json?.error?.message ?? asked.text}); the tool is denied`);
  let escalation = asked.json.escalation;
  const end = Date.now() + TIMEOUT_MS;
  while (escalation.status !== "resolved") {
    if (Date.now() > end) return deny(`agentd: nobody answered escalation ${escalation.id} within ${TIMEOUT_MS / 1000} s, so ${toolName} is denied`);
    await sleep(POLL_MS);
    try {
      const got = await call("GET", `/escalations/${encodeURIComponent(escalation.id)}`);
      if (got.status === 200 && got.json?.escalation) escalation = got.json.escalation;
      else if (got.status === 401 || got.status === 404) return deny(`agentd: escalation ${escalation.id} can no longer be read (HTTP ${got.status}: the run ended?); ${toolName} is denied`);
    } catch {
      /* the daemon is restarting or busy: keep waiting until the timeout */
    }
  }
  const by = escalation.decided_by ?? "the parent";
  if (escalation.decision === "approve") return { behavior: "allow", updatedInput: input ?? {} };
  const why = escalation.decision_text ? `: ${escalation.decision_text}` : "";
  return deny(`${escalation.decision === "deny" ? "denied" : "not approved; the answer was"} by ${by} (escalation ${escalation.id})${why}`);
}

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (!line.trim()) continue;
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    continue;
  }
  if (msg.id === undefined || msg.id === null) continue; // notifications need no answer
  switch (msg.method) {
    case "initialize":
      send({ id: msg.id, result: { protocolVersion: msg.params?.protocolVersion ?? "2025-06-18", capabilities: { tools: {} }, serverInfo: { name: "agentd", version: "0.1.0" } } });
      break;
    case "ping":
      send({ id: msg.id, result: {} });
      break;
    case "tools/list":
      send({ id: msg.id, result: { tools: [TOOL] } });
      break;
    case "tools/call":
      if (msg.params?.name !== TOOL.name) {
        send({ id: msg.id, error: { code: -32602, message: `unknown tool ${msg.params?.name}` } });
        break;
      }
      // Answered asynchronously: claude may ask again (another tool) while one request waits.
      void decide(msg.params.arguments ?? {}).then((decision) => send({ id: msg.id, result: { content: [{ type: "text", text: JSON.stringify(decision) }] } }));
      break;
    default:
      send({ id: msg.id, error: { code: -32601, message: `method not found: ${msg.method}` } });
  }
}
