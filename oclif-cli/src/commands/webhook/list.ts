import { BaseCommand } from "../../base-command.ts";
import { webhookLine } from "./add.ts";

type Listed = { webhooks: { id: string; url: string; events: string[]; created_at: string }[] };

export default class WebhookListCommand extends BaseCommand<typeof WebhookListCommand> {
  static override summary = "List the webhooks of your token (admins: all).";
  static override examples = ["<%= config.bin %> webhook list", "<%= config.bin %> --field webhooks.0.id webhook list"];

  async run(): Promise<void> {
    const res = await this.client.request<Listed>("GET", "/webhooks");
    this.output(res, (r: Listed) => (r.webhooks.length ? r.webhooks.map(webhookLine).join("\n") : "no webhooks"));
  }
}
