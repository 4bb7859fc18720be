// Raw HTTP for the security tests: exact headers (Host, Origin, no Content-Type), no retries, no
// connection reuse (Node's fetch hides a reset by retrying and refuses to set Host).
import { randomBytes } from "node:crypto";
import { request, type IncomingHttpHeaders } from "node:http";

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: { error?: { code: string; message: string; details?: unknown } } & Record<string, any>;
}

/** One request on its own connection (`agent: false`); rejects on a reset or refused connection. */
export function rawRequest(
  url: string,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer; localAddress?: string; timeoutMs?: number },
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: hostname, port, method: opts.method ?? "GET", path: opts.path, headers: opts.headers ?? {}, agent: false, localAddress: opts.localAddress, setHost: !opts.headers?.host },
      (res) => {
        const chunks: Buffer[] = [];
        // A stream answers 200 and never ends: its head is the answer.
        if (String(res.headers["content-type"]).startsWith("text/event-stream")) {
          res.destroy();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: "", json: {} });
          return;
        }
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json = {};
          try {
            json = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.setTimeout(opts.timeoutMs ?? 15_000, () => req.destroy(new Error(`no answer to ${opts.method ?? "GET"} ${opts.path} within ${opts.timeoutMs ?? 15_000} ms`)));
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** A WebSocket handshake by hand (any Host, any Origin): 101, or the refusal's status and JSON body. */
export function rawUpgrade(url: string, path: string, headers: Record<string, string>): Promise<{ status: number; json: RawResponse["json"] }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({
      host: hostname,
      port,
      path,
      agent: false,
      setHost: !headers.host,
      headers: { connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": randomBytes(16).toString("base64"), ...headers },
    });
    req.on("upgrade", (_res, socket) => {
      socket.destroy();
      resolve({ status: 101, json: {} });
    });
    req.on("response", (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : {} }));
    });
    req.on("error", reject);
    req.end();
  });
}
