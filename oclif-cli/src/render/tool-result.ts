/** Key facts of an agent-to-agent response whose exact shape belongs to the agent-to-agent routes. */
import { status } from "../output/style.ts";

export function summarize(res: Record<string, unknown>): [string, string][] {
  const rows: [string, string][] = [];
  for (const [name, value] of Object.entries(res)) {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const v = value as Record<string, unknown>;
      if (typeof v.id === "string") rows.push([name, v.id]);
      if (typeof v.status === "string") rows.push([`${name} status`, status(v.status)]);
    } else if (value !== null && typeof value !== "object") {
      rows.push([name, String(value)]);
    }
  }
  return rows.length ? rows : [["response", JSON.stringify(res)]];
}
