import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { BlockList, isIP } from "node:net";
import { validation } from "@agentd/core";

/**
 * SSRF guard. A daemon that POSTs to URLs its clients choose could be aimed at the host's own
 * services or the cloud metadata endpoint; so by default webhooks reach only public addresses.
 * Hosts named in --webhook-allow-host are exempt (e.g. a receiver on loopback). The check runs
 * on the address the connection actually uses (a custom DNS lookup), so DNS rebinding does not
 * get around it, and redirects are never followed.
 */
const PRIVATE = new BlockList();
for (const [net, bits] of [["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12], ["192.168.0.0", 16], ["198.18.0.0", 15], ["224.0.0.0", 3]] as const) {
  PRIVATE.addSubnet(net, bits, "ipv4");
}
for (const [net, bits] of [["::", 127], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8]] as const) PRIVATE.addSubnet(net, bits, "ipv6");

export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1], "ipv4");
  return PRIVATE.check(address, isIP(address) === 6 ? "ipv6" : "ipv4");
}

const hostOf = (url: URL): string => url.hostname.replace(/^\[|\]$/g, "").toLowerCase();

/** Parse and check a webhook URL at registration; a 400 names what is wrong. */
export function checkWebhookUrl(raw: string, allowHosts: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw validation(`invalid webhook url "${raw}": not a URL; use http://host/path or https://host/path`, [{ path: "/url", keyword: "format", message: "not a URL" }]);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw validation(`invalid webhook url: scheme "${url.protocol.replace(/:$/, "")}" is not allowed; use http or https`, [{ path: "/url", keyword: "format", message: "http or https only" }]);
  }
  if (url.username || url.password) throw validation("invalid webhook url: credentials in the URL are not allowed; use the signing secret", [{ path: "/url", keyword: "format", message: "no credentials" }]);
  const host = hostOf(url);
  if (!allowHosts.includes(host) && (host === "localhost" || host.endsWith(".localhost") || (isIP(host) !== 0 && isPrivateAddress(host)))) {
    throw validation(`webhook url host "${host}" is a private or loopback address; the daemon refuses those by default (SSRF); start agentd with --webhook-allow-host ${host} to allow it`, [{ path: "/url", keyword: "format", message: "private address" }]);
  }
  return url;
}

export interface PostResult {
  status: number | null;
  error: string | null;
}

/** POST a body; resolves with the HTTP status or the network error, never rejects. */
export function postJson(rawUrl: string, body: string, headers: Record<string, string>, opts: { allowHosts: readonly string[]; timeoutMs: number }): Promise<PostResult> {
  const url = new URL(rawUrl);
  const allowed = opts.allowHosts.includes(hostOf(url));
  const guardedLookup = (hostname: string, options: object, cb: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return cb(err, []);
      const list = addresses as LookupAddress[];
      const refused = allowed ? undefined : list.find((a) => isPrivateAddress(a.address));
      if (refused) return cb(Object.assign(new Error(`${hostname} resolves to private address ${refused.address}; allow it with --webhook-allow-host ${hostname}`), { code: "EPRIVATE" }), []);
      if ((options as { all?: boolean }).all) return cb(null, list);
      cb(null, list[0].address, list[0].family);
    });
  };
  return new Promise((resolve) => {
    const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(
      url,
      { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), "user-agent": "agentd-webhooks", ...headers }, lookup: guardedLookup as never, timeout: opts.timeoutMs },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? null, error: null }));
        res.on("error", (err) => resolve({ status: res.statusCode ?? null, error: String(err.message) }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no response within ${opts.timeoutMs} ms`)));
    req.on("error", (err) => resolve({ status: null, error: err.message }));
    req.end(body);
  });
}
