import { STATUS_CODES, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { AgentdError, type ErrorCode } from "../errors.ts";

/** How long a refused socket may take to read our answer before it is closed for good. */
const LINGER_MS = 1_000;

/**
 * Requests Node's HTTP parser refuses before Koa sees them (a URL or headers over 16 KiB, broken
 * HTTP, a request not received within --headers-timeout-ms / --request-timeout-ms) get the same
 * JSON error body as every other refusal instead of Node's empty answer. The socket is then
 * destroyed: HTTP sockets are half-open, so `end()` alone would let a peer that never closes its
 * side keep the file descriptor (the slowloris trick).
 */
export function answerClientErrors(server: Server): void {
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    // A response already started on this socket cannot be followed by another one.
    const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (err.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, code, message]: [number, ErrorCode, string] =
      err.code === "HPE_HEADER_OVERFLOW"
        ? [431, "validation_error", "the request line and headers exceed 16 KiB; send long values in a JSON body"]
        : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? [408, "request_timeout", "the request (headers and body) did not arrive in time (--headers-timeout-ms / --request-timeout-ms); send it again, faster"]
          : [400, "validation_error", `malformed HTTP request (${err.code ?? err.message}); send a valid HTTP/1.1 request`];
    const body = JSON.stringify(new AgentdError(code, message).toJSON());
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  });
}
