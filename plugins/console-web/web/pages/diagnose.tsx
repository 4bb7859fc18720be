// GET /runs/:id/diagnose for the session's latest run: the likely issue first, then every fact.
import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { DiagnoseResponse } from "../../../../core/src/client/index.ts";
import { errorText, useConsole } from "../context.ts";

export function Diagnose(p: { runId: string | null }) {
  const { client } = useConsole();
  const [result, setResult] = useState<DiagnoseResponse | null>(null);
  const [error, setError] = useState("");
  const load = (): void => {
    if (!p.runId) return;
    setError("");
    client.diagnoseRun(p.runId).then(setResult, (err) => setError(errorText(err)));
  };
  useEffect(load, [p.runId]);
  if (!p.runId) return <p class="hint pad">No run yet: send a message first.</p>;
  return (
    <div class="diagnose pad">
      <div class="row">
        <h2>Run {p.runId}</h2>
        <button type="button" onClick={load}>
          Refresh
        </button>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {result && (
        <>
          <p class={result.diagnostics.likely_issue ? "issue" : "ok"} data-testid="likely-issue">
            {result.diagnostics.likely_issue ?? "No issue found."}
          </p>
          <dl class="facts">
            {Object.entries(result.diagnostics).map(([k, v]) => (
              <Fragment key={k}>
                <dt>{k}</dt>
                <dd>{typeof v === "string" ? v : JSON.stringify(v)}</dd>
              </Fragment>
            ))}
          </dl>
        </>
      )}
    </div>
  );
}
