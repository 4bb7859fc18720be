import type { AgentEvent } from "../types.ts";

// Every subscriber receives the same event object: serialize it once, not once per connection.
const cache = new WeakMap<AgentEvent, string>();

/** The event as JSON text, shared by every connection it is sent to. */
export function eventJson(event: AgentEvent): string {
  let json = cache.get(event);
  if (json === undefined) {
    json = JSON.stringify(event);
    cache.set(event, json);
  }
  return json;
}
