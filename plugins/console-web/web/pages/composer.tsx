// Send a message with an idempotency key per send: the SDK reuses it on its own retries, and a
// failed send keeps it for "Retry", so a message is never stored twice. Cancel the active run.
import { useState } from "preact/hooks";
import { AgentdApiError, newIdempotencyKey } from "../../../../core/src/client/index.ts";
import type { RunStatus } from "../../../../core/src/types.ts";
import { errorText, useConsole } from "../context.ts";

export function Composer(p: { sessionId: string; activeRun: string | null; runStatus: RunStatus | null }) {
  const { client } = useConsole();
  const [text, setText] = useState("");
  const [pending, setPending] = useState<{ text: string; key: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");

  const send = async (attempt: { text: string; key: string }): Promise<void> => {
    setBusy(true);
    setError("");
    setPending(attempt);
    try {
      await client.sendMessage(p.sessionId, { text: attempt.text }, { idempotencyKey: attempt.key });
      setPending(null);
      setText((t) => (t === attempt.text ? "" : t));
    } catch (err) {
      // A refusal (4xx, e.g. a run token may not queue runs) is final: no Retry offered for it.
      if (err instanceof AgentdApiError && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429) {
        setPending(null);
        setError(`Not sent: ${errorText(err)}`);
      } else setError(`${errorText(err)} — Retry sends the same message with the same key (it is stored at most once).`);
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: Event): void => {
    e.preventDefault();
    const t = text.trim();
    if (!t || busy) return;
    void send(pending && pending.text === t ? pending : { text: t, key: newIdempotencyKey("console") });
  };
  const cancel = async (): Promise<void> => {
    if (!p.activeRun) return;
    setError("");
    try {
      await client.cancelRun(p.activeRun, { reason: "canceled from the console" });
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <form class="composer" onSubmit={submit} aria-label="send a message">
      <textarea
        aria-label="message"
        placeholder="Message (Enter sends, Shift+Enter for a new line)"
        value={text}
        rows={2}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) submit(e);
        }}
      />
      <div class="composer-actions">
        {p.activeRun && (
          <span class="status running" data-testid="run-status">
            {p.runStatus}
          </span>
        )}
        {p.activeRun && (
          <button type="button" class="danger" onClick={cancel}>
            Cancel run
          </button>
        )}
        {pending && !busy && error && (
          <button type="button" onClick={() => void send(pending)}>
            Retry
          </button>
        )}
        <button type="submit" disabled={busy || !text.trim()}>
          {busy ? "Sending…" : "Send"}
        </button>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}
