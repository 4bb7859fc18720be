// A real HTTP webhook receiver on loopback for the tests: records every request, verifies the
// signature as docs/webhooks.md tells receivers to, and answers what the test's policy says.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  deliveryId: string;
  event: string;
  signatureValid: boolean;
  body: Record<string, any>;
  answered: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Decide the status for a request: given the delivery id and how many times it was seen before. */
  policy: (deliveryId: string, seenBefore: number) => number;
  close(): Promise<void>;
}

/** The verification snippet of docs/webhooks.md, as a receiver would write it. */
export function verify(secret: string, header: string, rawBody: string, toleranceS = 300): boolean {
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=", 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceS || !parts.v1) return false;
  const expected = createHmac("sha256", secret).update(`${t}.${rawBody}`).digest();
  const given = Buffer.from(parts.v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function startReceiver(secret: string): Promise<Receiver> {
  const receiver: Receiver = { url: "", received: [], policy: () => 200, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (raw += c));
    req.on("end", () => {
      const deliveryId = String(req.headers["agentd-delivery"] ?? "");
      const seenBefore = receiver.received.filter((r) => r.deliveryId === deliveryId).length;
      const answered = receiver.policy(deliveryId, seenBefore);
      receiver.received.push({ deliveryId, event: String(req.headers["agentd-event"] ?? ""), signatureValid: verify(secret, String(req.headers["agentd-signature"] ?? ""), raw), body: JSON.parse(raw) as Record<string, any>, answered });
      res.writeHead(answered, { "content-type": "text/plain" }).end(answered < 300 ? "ok" : "try again");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  receiver.close = () => new Promise((r) => server.close(() => r()));
  return receiver;
}
