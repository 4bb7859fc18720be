import { createHmac, randomBytes } from "node:crypto";

/** `Agentd-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` (docs/webhooks.md). */
export function signature(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${mac}`;
}

export const newSecret = (): string => `whsec_${randomBytes(24).toString("base64url")}`;
export const newWebhookId = (): string => `whk_${randomBytes(9).toString("base64url")}`;
export const newDeliveryId = (): string => `whd_${randomBytes(12).toString("base64url")}`;
