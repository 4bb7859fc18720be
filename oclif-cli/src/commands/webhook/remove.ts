import { BaseCommand, Flags } from "../../base-command.ts";

export default class WebhookRemoveCommand extends BaseCommand<typeof WebhookRemoveCommand> {
  static override summary = "Delete a webhook; its pending deliveries are abandoned.";
  static override examples = ['<%= config.bin %> webhook remove --webhook-id "$HOOK_ID"'];
  static override flags = {
    "webhook-id": Flags.string({ summary: "The webhook's id (webhook list).", required: true }),
  };

  async run(): Promise<void> {
    const id = encodeURIComponent(this.flags["webhook-id"]);
    const res = await this.client.request<{ webhook: { id: string }; deleted: boolean }>("DELETE", `/webhooks/${id}`);
    this.output(res, (r: { webhook: { id: string } }) => `deleted ${r.webhook.id}`);
  }
}
