import type { api } from "./daemon.ts";

export interface LoggedEvent {
  seq: number;
  run_id: string | null;
  event_type: string;
  data: Record<string, any>;
}

/** Every stored event of a session, paging through the cursor API. */
export async function readAllEvents(client: ReturnType<typeof api>, sessionId: string): Promise<LoggedEvent[]> {
  const all: LoggedEvent[] = [];
  for (let cursor = 0; ; ) {
    const page = await client.get(`/sessions/${sessionId}/events?cursor=${cursor}&limit=1000`);
    if (page.status !== 200) throw new Error(`events read failed: ${JSON.stringify(page.body)}`);
    all.push(...page.body.events);
    if (page.body.events.length < 1000) return all;
    cursor = page.body.next_cursor;
  }
}
