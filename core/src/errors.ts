/**
 * Typed errors. Services and plugins throw these; the HTTP layer maps them to a status and the
 * `{"error": {code, message, details}}` body in one place (http/error-middleware.ts).
 */
export type ErrorCode =
  | "validation_error"
  | "invalid_json"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "idempotency_in_flight"
  | "idempotency_mismatch"
  | "illegal_transition"
  | "payload_too_large"
  | "unsupported_media_type"
  | "origin_not_allowed"
  | "host_not_allowed"
  | "request_timeout"
  | "rate_limited"
  | "cursor_expired"
  | "storage_unavailable"
  | "provider_unavailable"
  | "internal_error";

const STATUS: Record<ErrorCode, number> = {
  validation_error: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  idempotency_in_flight: 409,
  illegal_transition: 409,
  idempotency_mismatch: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  origin_not_allowed: 403,
  host_not_allowed: 421,
  request_timeout: 408,
  rate_limited: 429,
  cursor_expired: 410,
  storage_unavailable: 503,
  provider_unavailable: 503,
  internal_error: 500,
};

export class AgentdError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = "AgentdError";
    this.code = code;
    this.status = STATUS[code];
    this.details = details;
  }
  toJSON(): { error: { code: ErrorCode; message: string; details?: unknown } } {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }
}

export const notFound = (what: string, id: string): AgentdError =>
  new AgentdError("not_found", `${what} ${id} not found (or not visible to this token)`);
export const validation = (message: string, details?: unknown): AgentdError =>
  new AgentdError("validation_error", message, details);
export const conflict = (message: string, details?: unknown): AgentdError =>
  new AgentdError("conflict", message, details);

export function isAgentdError(err: unknown): err is AgentdError {
  return err instanceof AgentdError;
}
