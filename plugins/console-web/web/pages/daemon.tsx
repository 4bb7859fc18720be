// GET /daemon/status, refreshed every 5 s. Rendered from whatever fields are present: a reduced
// status (a non-admin principal) shows less, never an error.
import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { DaemonStatus } from "../../../../core/src/client/index.ts";
import { errorText, useConsole } from "../context.ts";

const show = (v: unknown): string => (v === undefined || v === null ? "—" : typeof v === "string" ? v : JSON.stringify(v));

function Facts(p: { entries: [string, unknown][] }) {
  return (
    <dl class="facts">
      {p.entries.map(([k, v]) => (
        <Fragment key={k}>
          <dt>{k.replace(/_/g, " ")}</dt>
          <dd>{show(v)}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

function Table(p: { rows: Record<string, unknown>[]; label: string }) {
  const cols = [...new Set(p.rows.flatMap((r) => Object.keys(r)))];
  return (
    <div class="table-wrap">
      <table aria-label={p.label}>
        <thead>
          <tr>{cols.map((c) => <th key={c}>{c.replace(/_/g, " ")}</th>)}</tr>
        </thead>
        <tbody>
          {p.rows.map((r, i) => (
            <tr key={i}>{cols.map((c) => <td key={c}>{show(r[c])}</td>)}</tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function DaemonPage() {
  const { client, live } = useConsole();
  const [status, setStatus] = useState<Partial<DaemonStatus> | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    const load = (): void => void client.daemonStatus().then((s) => (setStatus(s), setError("")), (err) => setError(errorText(err)));
    load();
    const t = setInterval(load, 5000);
    return () => clearInterval(t);
  }, [client]);
  const s = status ?? {};
  const healthy = s.daemon_health === "ok";
  return (
    <main class="page daemon">
      <h1>Daemon</h1>
      {error && <p class="error" role="alert">{error}</p>}
      {status && (
        <>
          <p class={healthy ? "ok" : "issue"} data-testid="daemon-health">
            {healthy ? "Healthy" : show(s.daemon_health)}
          </p>
          {s.detail === "reduced" && (
            <p class="note" data-testid="daemon-detail">
              {show(s.detail_note ?? "This token sees a reduced status; an admin token shows pid, paths, storage and plugins.")}
            </p>
          )}
          <div class="grid">
          <section class="card">
            <h2>Overview</h2>
            <Facts entries={[["version", s.version], ["build", s.build], ["pid", s.pid], ["uptime_s", s.uptime_s], ["url", s.url], ["auth_required", s.auth_required], ["workers", s.alive_workers !== undefined ? `${s.alive_workers} alive of ${show(s.max_concurrency)}` : undefined], ["default_provider", s.default_provider], ["last_seq", s.last_seq], ["event_subscribers", s.event_subscribers], ["console_stream", live.status]].filter(([, v]) => v !== undefined) as [string, unknown][]} />
          </section>
          {s.queue_counts && (
            <section class="card">
              <h2>Queue</h2>
              <Facts entries={Object.entries(s.queue_counts)} />
            </section>
          )}
          {s.providers && (
            <section class="card">
              <h2>Providers</h2>
              <Table label="providers" rows={s.providers as unknown as Record<string, unknown>[]} />
            </section>
          )}
          {s.transports && (
            <section class="card">
              <h2>Transports</h2>
              <Table label="transports" rows={s.transports} />
            </section>
          )}
          {s.storage && (
            <section class="card">
              <h2>Storage</h2>
              <Facts entries={Object.entries(s.storage)} />
            </section>
          )}
          {s.plugins && (
            <section class="card">
              <h2>Plugins</h2>
              <Table label="plugins" rows={s.plugins as unknown as Record<string, unknown>[]} />
            </section>
          )}
          </div>
        </>
      )}
    </main>
  );
}
