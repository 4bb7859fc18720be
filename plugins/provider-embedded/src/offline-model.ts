/**
 * The offline model: deterministic, needs no API key or network, so a fresh `npm start` gives a
 * working daemon. It is labelled as offline everywhere it shows (diagnose, status, docs).
 * - "Respond with exactly: X" -> "X"
 * - anything else -> it says it is the offline model and echoes the request.
 */
export const OFFLINE_MODEL_NAME = "offline";

export function offlineReply(prompt: string): string {
  const exact = /respond with exactly:\s*([\s\S]*)$/i.exec(prompt.trim());
  if (exact) return exact[1].trim();
  return `I am agentd's offline model (no model API is configured, so I can only echo). You said: ${prompt}`;
}
