import autocannon from "autocannon";

export interface LoadResult {
  /** 2xx responses per second over the whole run. */
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/**
 * Drive POST requests at `url` with autocannon: `connections` keep-alive connections, each request
 * built by `next()` (path, headers, body), for `seconds`.
 */
export async function postLoad(url: string, connections: number, seconds: number, next: () => { path: string; headers: Record<string, string>; body: string }): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    method: "POST",
    requests: [{ setupRequest: (req) => ({ ...req, method: "POST", ...next() }) }],
  });
  return {
    rps: result["2xx"] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
