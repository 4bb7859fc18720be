import { randomBytes } from "node:crypto";

/** Prefixed random ids (`ses_…`, `run_…`): readable in logs, unguessable across principals. */
export const newId = (prefix: "ses" | "run" | "msg" | "esc"): string => `${prefix}_${randomBytes(12).toString("base64url")}`;
