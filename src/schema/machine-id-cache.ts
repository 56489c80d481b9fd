const SLOTS = 64;

/**
 * Machine ids already validated, found again from a span of a CSV line without
 * slicing it (or from another string with the same text, as JSON.parse makes
 * one per row): files repeat a handful of ids row after row, so a lookup saves
 * a substring and a validation per row, and the batch holds a few id strings
 * instead of one per row. Direct-mapped: a slot is picked from the
 * length and two characters of the span, and a hit is confirmed by comparing
 * the whole text; a collision just replaces the slot.
 */
export class MachineIdCache {
  private readonly slots: string[] = new Array<string>(SLOTS).fill('');

  /** The cached id that equals text[start, end), or null. */
  find(text: string, start: number, end: number): string | null {
    const length = end - start;
    if (length === 0) return null;
    const id = this.slots[slot(text, start, end)]!;
    return id.length === length && text.startsWith(id, start) ? id : null;
  }

  /** The cached id equal to `id` (the same string object every time), or null. */
  findString(id: string): string | null {
    return id.length > 0 ? this.find(id, 0, id.length) : null;
  }

  /** Remembers a valid id that is exactly text[start, end). */
  remember(text: string, start: number, end: number, id: string): void {
    if (id.length === 0 || id.length !== end - start) return;
    this.slots[slot(text, start, end)] = id;
  }
}

function slot(text: string, start: number, end: number): number {
  const length = end - start;
  return (length * 31 + text.charCodeAt(end - 1) * 7 + text.charCodeAt(start + (length >> 1))) & (SLOTS - 1);
}
