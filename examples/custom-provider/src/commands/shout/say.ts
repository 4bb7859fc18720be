// `agentctl shout say`: send text to a shout session and print the reply. A plugin command gets the
// global flags, the REST client and the exit codes from agentctl's BaseCommand.
import { BaseCommand, EXIT, Flags } from "@agentd/cli/base";

interface SayResult {
  session_id: string;
  run_id: string;
  status: string;
  output: string | null;
}

export default class ShoutSay extends BaseCommand<typeof ShoutSay> {
  static override summary = "Send text to the shout provider and print its reply.";
  static override description = "Creates a session on the shout provider unless --session-id is given, sends the text and waits for the run.";
  static override examples = ['<%= config.bin %> shout say --text "hello"', '<%= config.bin %> --field output shout say --session-id "$SESSION_ID" --text again'];
  static override flags = {
    text: Flags.string({ summary: "What to say.", required: true }),
    "session-id": Flags.string({ summary: "Reuse this session (it keeps the shout turn count)." }),
    "timeout-s": Flags.integer({ summary: "Give up after this many seconds.", default: 60, min: 1, max: 3600 }),
  };

  async run(): Promise<void> {
    const sessionId = this.flags["session-id"] ?? (await this.client.createSession({ provider: "shout", title: "shout" })).session.id;
    const { run } = await this.client.sendMessage(sessionId, { text: this.flags.text, provider: "shout" });
    const waited = await this.client.waitRun(run.id, { timeout_s: this.flags["timeout-s"] });
    const result: SayResult = { session_id: sessionId, run_id: run.id, status: waited.run.status, output: waited.run.output };
    this.output(result, (r: SayResult) => r.output ?? `run ${r.run_id} ${r.status}`);
    if (waited.timed_out) this.fail(`run ${run.id} is still ${waited.run.status}: see \`agentctl run diagnose --run-id ${run.id}\``, EXIT.waitTimeout);
    if (waited.run.status !== "completed") this.fail(`run ${run.id} ended ${waited.run.status}: ${waited.run.error ?? "no error recorded"}`);
  }
}
