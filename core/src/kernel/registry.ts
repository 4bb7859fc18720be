/** A typed name -> item registry. Registering a name twice is a boot error naming both. */
export class Registry<T extends { readonly name: string }> {
  private readonly items = new Map<string, { item: T; owner: string }>();
  private owner = "core";

  constructor(readonly kind: string) {}

  /** Set by the plugin loader so a duplicate names the plugin that registered first. */
  setOwner(owner: string): void {
    this.owner = owner;
  }

  register(item: T): void {
    const existing = this.items.get(item.name);
    if (existing) throw new Error(`${this.kind} "${item.name}" is already registered by plugin "${existing.owner}"`);
    this.items.set(item.name, { item, owner: this.owner });
  }

  get(name: string): T | undefined {
    return this.items.get(name)?.item;
  }

  has(name: string): boolean {
    return this.items.has(name);
  }

  names(): string[] {
    return [...this.items.keys()];
  }

  list(): T[] {
    return [...this.items.values()].map((e) => e.item);
  }

  ownerOf(name: string): string | undefined {
    return this.items.get(name)?.owner;
  }
}
