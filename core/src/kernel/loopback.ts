import { isIP } from "node:net";

/**
 * True when `host` (a bind address or a Host header's name, without port) only reaches this
 * machine: `localhost`, 127.0.0.0/8, `::1`. Security checks use it to tell a private daemon from
 * an exposed one (open mode, weak tokens, allowed Host headers).
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1" || h === "0:0:0:0:0:0:0:1" || /^::ffff:127\./.test(h);
  return false;
}
