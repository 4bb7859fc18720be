#!/usr/bin/env node
// agentd's permission tool for Claude Code: a minimal MCP server on stdio (newline-delimited
// JSON-RPC) that claude starts for one turn (--mcp-config, --permission-prompt-tool
// mcp__agentd__permission). Each permission request is forwarded to the run's provider over its
// per-run loopback listener (AGENTD_PERMISSION_URL, with the per-run AGENTD_PERMISSION_SECRET from
// the --mcp-config file); the provider asks agentd's native approval API and the reply, held until
// someone decides, is claude's answer. See docs/claude-code-provider.md.
// Plain JavaScript so claude can start it with `node` alone.
import { request } from "node:http";
import { createInterface } from "node:readline";

const URL_ = process.env.AGENTD_PERMISSION_URL;
const SECRET = process.env.AGENTD_PERMISSION_SECRET;

const send = (message) => process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);

const TOOL = {
  name: "permission",
  description: "agentd: asks the session that spawned this run (or its operator) whether a tool may run",
  inputSchema: {
    type: "object",
    properties: { tool_name: { type: "string" }, input: { type: "object" }, tool_use_id: { type: "string" } },
    required: ["tool_name", "input"],
  },
};

const deny = (message) => ({ behavior: "deny", message });

/** POST with node:http, not fetch: the answer may take longer than fetch's 300 s header timeout. */
function post(body) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(URL_, { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data), authorization: `Bearer ${SECRET}` } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode, text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(data);
  });
}

/** One permission request: ask the provider, wait for its answer, answer claude. Never throws. */
async function decide({ tool_name: toolName, input, tool_use_id: toolUseId }) {
  if (!URL_ || !SECRET) return deny("agentd permission tool: AGENTD_PERMISSION_URL / AGENTD_PERMISSION_SECRET are missing (not started by agentd?), so nobody can be asked; the tool is denied");
  let got;
  try {
    got = await post({ tool_name: toolName, input: input ?? {}, tool_use_id: toolUseId });
  } catch (err) {
    return deny(`agentd permission tool: the run's provider did not answer (${err.message}; the run ended?); ${toolName} is denied`);
  }
  let json = null;
  try {
    json = JSON.parse(got.text);
  } catch {
    /* not JSON */
  }
  if (got.status === 200 && (json?.behavior === "allow" || json?.behavior === "deny")) return json;
  return deny(`agentd permission tool: the request was refused (HTTP ${got.status}: ${json?.error?.message ?? got.text}); ${toolName} is denied`);
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
