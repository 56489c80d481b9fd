/**
 * Paths with parameters, `{name}` segments as in OpenAPI ("/machines/{machine_id}/baseline"),
 * matched segment by segment against request paths. A parameter matches one non-empty
 * segment, still percent-encoded (the handler decodes and validates it).
 */
export class PathTemplates<T> {
  private readonly templates: { segments: string[]; value: T }[] = [];

  add(template: string, value: T): void {
    this.templates.push({ segments: template.split('/'), value });
  }

  get size(): number {
    return this.templates.length;
  }

  match(path: string): { value: T; params: Record<string, string> } | null {
    const parts = path.split('/');
    for (const { segments, value } of this.templates) {
      if (segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segments.length && ok; i++) {
        const segment = segments[i]!;
        const part = parts[i]!;
        if (segment.startsWith('{') && segment.endsWith('}')) {
          if (part === '') ok = false;
          else params[segment.slice(1, -1)] = part;
        } else if (segment !== part) ok = false;
      }
      if (ok) return { value, params };
    }
    return null;
  }
}

/** Moves the entries of `routes` whose path has a `{parameter}` into a PathTemplates (exact lookups never see them). */
export function takeTemplates<T>(routes: Map<string, T>): PathTemplates<T> {
  const templates = new PathTemplates<T>();
  for (const [path, value] of [...routes]) {
    if (!path.includes('{')) continue;
    templates.add(path, value);
    routes.delete(path);
  }
  return templates;
}
