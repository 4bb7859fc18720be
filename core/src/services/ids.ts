import { randomBytes } from "node:crypto";

// Random bytes drawn from a pool: one getrandom call per 341 ids instead of one per id (hot path).
let pool = Buffer.alloc(0);
let offset = 0;

/** Prefixed random ids (`ses_…`, `run_…`): readable in logs, unguessable across principals. */
export const newId = (prefix: "ses" | "run" | "msg" | "esc"): string => {
  if (offset + 12 > pool.length) {
    pool = randomBytes(4092);
    offset = 0;
  }
  const id = pool.toString("base64url", offset, offset + 12);
  offset += 12;
  return `${prefix}_${id}`;
};
