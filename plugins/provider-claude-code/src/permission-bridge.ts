/**
 * The way from claude's permission tool back into this run. Claude starts the MCP permission
 * server as its own subprocess, so the provider listens for it on a per-run loopback HTTP port,
 * guarded by a per-run random secret; each request is held open while `ctx.requestApproval`
 * waits, and answered with claude's decision. The secret reaches the MCP server only through the
 * `--mcp-config` file (mode 0600, removed with the turn), never argv or claude's environment.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { permissionMcpConfig } from "./invocation.ts";
import { parsePermissionRequest, type ClaudePermissionDecision, type ClaudePermissionRequest } from "./permissions.ts";

const MAX_BODY = 1024 * 1024;

/** Decides one request; `signal` aborts when the MCP server hung up (claude gone). */
export type PermissionHandler = (req: ClaudePermissionRequest, signal: AbortSignal) => Promise<ClaudePermissionDecision>;

export interface PermissionBridge {
  /** Path of the `--mcp-config` file for this turn. */
  mcpConfigPath: string;
  close(): Promise<void>;
}

export async function startPermissionBridge(handler: PermissionHandler): Promise<PermissionBridge> {
  const secret = randomBytes(32).toString("hex");
  const server = createServer((req, res) => void serve(req, res, secret, handler));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const dir = mkdtempSync(join(tmpdir(), "agentd-claude-mcp-"));
  const mcpConfigPath = join(dir, "mcp-config.json");
  try {
    writeFileSync(mcpConfigPath, permissionMcpConfig({ AGENTD_PERMISSION_URL: `http://127.0.0.1:${port}/permission`, AGENTD_PERMISSION_SECRET: secret }), { mode: 0o600 });
  } catch (err) {
    await closeServer(server);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    mcpConfigPath,
    async close() {
      rmSync(dir, { recursive: true, force: true });
      await closeServer(server);
    },
  };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function authorized(header: string | undefined, secret: string): boolean {
  const given = Buffer.from(header ?? "");
  const expected = Buffer.from(`Bearer ${secret}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const answer = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
};
const failure = (code: string, message: string) => ({ error: { code, message, details: {} } });

async function serve(req: IncomingMessage, res: ServerResponse, secret: string, handler: PermissionHandler): Promise<void> {
  if (req.method !== "POST" || req.url !== "/permission") return answer(res, 404, failure("not_found", "only POST /permission is served here"));
  if (!authorized(req.headers.authorization, secret)) return answer(res, 401, failure("unauthorized", "a bearer secret of this run is required"));
  let raw = "";
  for await (const chunk of req) {
    raw += String(chunk);
    if (raw.length > MAX_BODY) return answer(res, 413, failure("too_large", `the permission request is over ${MAX_BODY} bytes`));
  }
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return answer(res, 400, failure("invalid_json", "the body is not JSON"));
  }
  const parsed = parsePermissionRequest(body);
  if (typeof parsed === "string") return answer(res, 400, failure("validation_failed", parsed));
  const gone = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) gone.abort(new Error("claude's permission server hung up before the answer"));
  });
  answer(res, 200, await handler(parsed, gone.signal));
}
