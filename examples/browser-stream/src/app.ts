// The page's script: follow one session with the SDK's subscribe() and show what arrives.
// Query: ?daemon=<agentd URL>&session=<id>&transport=sse|ws&ticketUrl=<where to get stream tickets>
// The ticket endpoint belongs to the page's own backend (serve.ts), which holds the daemon token:
// the browser never sees a long-lived token, and each (re)connection uses a fresh single-use ticket.
import { subscribe, type StreamTransport } from "../../../core/src/client/subscribe.ts";

// The few DOM shapes this page uses (the repo's typecheck runs without the DOM lib).
interface El {
  textContent: string | null;
  dataset: Record<string, string>;
  append(child: El): void;
}
declare const document: { getElementById(id: string): El | null; createElement(tag: string): El };
declare const location: { search: string; origin: string };

const params = new URLSearchParams(location.search);
const transport = (params.get("transport") ?? "sse") as StreamTransport;
const sessionId = params.get("session") ?? "";
const byId = (id: string): El => document.getElementById(id)!;
byId("session").textContent = sessionId;
byId("transport").textContent = transport;

let count = 0;
let reconnects = 0;
const list = byId("events");

const subscription = subscribe({
  baseUrl: params.get("daemon") ?? location.origin,
  sessionId,
  transport,
  cursor: 0,
  minBackoffMs: 100,
  maxBackoffMs: 2000,
  getTicket: async () => {
    const res = await fetch(params.get("ticketUrl") ?? "/ticket", { method: "POST" });
    if (!res.ok) throw new Error(`ticket endpoint answered ${res.status}`);
    return ((await res.json()) as { ticket: string }).ticket;
  },
  onEvent(event) {
    const li = document.createElement("li");
    li.dataset.seq = String(event.seq);
    li.textContent = `${event.seq} ${event.event_type}`;
    list.append(li);
    byId("count").textContent = String(++count);
    byId("cursor").textContent = String(event.seq);
  },
  onStatus(status) {
    if (status === "reconnecting") byId("reconnects").textContent = String(++reconnects);
    byId("status").textContent = status;
    byId("status").dataset.status = status;
  },
  onError(err) {
    byId("error").textContent = err.message;
  },
});

// For the console (and tests): drop the connection and resume.
(globalThis as unknown as { agentdStream: typeof subscription }).agentdStream = subscription;
