import { BaseCommand, Flags } from "../../base-command.ts";

interface WebhookView {
  id: string;
  url: string;
  events: string[];
  created_at: string;
}

export const webhookLine = (w: WebhookView): string => `${w.id}  ${w.events.join(",")}  ${w.url}`;

export default class WebhookAddCommand extends BaseCommand<typeof WebhookAddCommand> {
  static override summary = "Register a webhook for your token's sessions (docs/webhooks.md).";
  static override description = "Prints the signing secret once: store it on the receiver to verify the Agentd-Signature header.";
  static override examples = [
    "<%= config.bin %> webhook add --webhook-url https://push.example.com/agentd --event run.ended --event escalation.requested",
    'HOOK_ID=$(<%= config.bin %> --field webhook.id webhook add --webhook-url https://push.example.com/agentd --event run.ended)',
  ];
  static override flags = {
    "webhook-url": Flags.string({ summary: "Receiver URL (http or https; private addresses need the daemon's --webhook-allow-host).", required: true }),
    event: Flags.string({ summary: "Event to deliver; repeatable.", options: ["run.ended", "escalation.requested", "child.announced"], multiple: true, required: true }),
    secret: Flags.string({ summary: "Signing secret (16-256 chars); generated when omitted." }),
  };

  async run(): Promise<void> {
    const { "webhook-url": url, event, secret } = this.flags;
    const res = await this.client.request<{ webhook: WebhookView; secret: string }>("POST", "/webhooks", { url, events: event, ...(secret ? { secret } : {}) });
    this.output(res, (r: { webhook: WebhookView; secret: string }) => `${webhookLine(r.webhook)}\nsecret: ${r.secret} (shown once)`);
  }
}
