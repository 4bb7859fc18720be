import type { Server } from "node:http";
import type { Duplex } from "node:stream";
import { AgentdError, type ErrorCode } from "../errors.ts";

/**
 * Requests Node's HTTP parser refuses before Koa sees them (a URL or headers over 16 KiB, broken
 * HTTP) get the same JSON error body as every other refusal instead of Node's empty answer.
 */
export function answerClientErrors(server: Server): void {
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, reason, code, message]: [number, string, ErrorCode, string] =
      err.code === "HPE_HEADER_OVERFLOW"
        ? [431, "Request Header Fields Too Large", "validation_error", "the request line and headers exceed 16 KiB; send long values in a JSON body"]
        : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? [408, "Request Timeout", "validation_error", "the request headers did not arrive in time; send the request again"]
          : [400, "Bad Request", "validation_error", `malformed HTTP request (${err.code ?? err.message}); send a valid HTTP/1.1 request`];
    const body = JSON.stringify(new AgentdError(code, message).toJSON());
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
}
