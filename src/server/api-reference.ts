import { escapeHtml } from './docs-pages.js';

/**
 * GET /redoc: a static, script-free API reference rendered from the OpenAPI
 * document (ReDoc itself would need a CDN script; this page works offline and
 * under a strict CSP). Every route, its request body, responses and each
 * schema's fields with their constraints.
 */

type Json = Record<string, unknown>;

const STYLE = `body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}
code,pre{font-family:ui-monospace,monospace;background:#f4f4f4;padding:0 .2em}
table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}td,th{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
h3 code{font-size:1em}.m{font-weight:bold;text-transform:uppercase;margin-right:.5em}`;

export const REFERENCE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";

function refName(schema: unknown): string | null {
  const ref = (schema as Json | undefined)?.$ref;
  return typeof ref === 'string' ? ref.slice(ref.lastIndexOf('/') + 1) : null;
}

function typeOf(schema: Json): string {
  const name = refName(schema);
  if (name) return `<a href="#${escapeHtml(name)}">${escapeHtml(name)}</a>`;
  if (schema.type === 'array') return `array of ${typeOf((schema.items ?? {}) as Json)}`;
  if (Array.isArray(schema.enum))
    return `one of ${schema.enum.map((v) => `<code>${escapeHtml(JSON.stringify(v))}</code>`).join(', ')}`;
  if (schema.const !== undefined) return `<code>${escapeHtml(JSON.stringify(schema.const))}</code>`;
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Json[]).map(typeOf).join(' or ');
  return escapeHtml(Array.isArray(schema.type) ? schema.type.join(' | ') : String(schema.type ?? 'any'));
}

function constraints(schema: Json): string {
  const parts: string[] = [];
  const add = (key: string, label: string) => {
    if (schema[key] !== undefined) parts.push(`${label} ${escapeHtml(String(schema[key]))}`);
  };
  add('minimum', '≥');
  add('maximum', '≤');
  add('minItems', 'min items');
  add('maxItems', 'max items');
  add('maxLength', 'max length');
  add('pattern', 'pattern');
  if (schema.additionalProperties === false) parts.push('no other fields');
  return parts.join(', ');
}

function schemaTable(schema: Json): string {
  const props = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set((schema.required ?? []) as string[]);
  const rows = Object.entries(props).map(
    ([name, p]) =>
      `<tr><td><code>${escapeHtml(name)}</code>${required.has(name) ? '' : ' (optional)'}</td><td>${typeOf(p)}</td>` +
      `<td>${escapeHtml(String(p.description ?? ''))}</td><td>${constraints(p)}</td></tr>`,
  );
  if (rows.length === 0) return `<p>${typeOf(schema)}</p>`;
  return `<table><tr><th>field</th><th>type</th><th>description</th><th>constraints</th></tr>${rows.join('')}</table>`;
}

export function apiReferenceHtml(doc: Json): string {
  const info = doc.info as Json;
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const schemas = ((doc.components as Json).schemas ?? {}) as Record<string, Json>;
  const out: string[] = [];
  out.push(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`,
  );
  out.push(`<title>${escapeHtml(String(info.title))} – API reference</title><style>${STYLE}</style></head><body>`);
  out.push(`<h1>${escapeHtml(String(info.title))} <small>${escapeHtml(String(info.version))}</small></h1>`);
  out.push(`<p>${escapeHtml(String(info.description ?? '')).replace(/\n/g, '<br>')}</p>`);
  out.push(
    `<p>Interactive docs: <a href="/docs">/docs</a> · machine-readable: <a href="/openapi.json">/openapi.json</a></p><h2>Routes</h2>`,
  );
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      out.push(
        `<h3><span class="m">${escapeHtml(method)}</span><code>${escapeHtml(path)}</code></h3><p>${escapeHtml(String(op.summary ?? ''))}</p>`,
      );
      const body = ((op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined)?.[
        'application/json'
      ]?.schema;
      if (body) out.push(`<p>Request body (application/json): ${typeOf(body as Json)}</p>`);
      const responses = Object.entries((op.responses ?? {}) as Record<string, Json>).map(([status, r]) => {
        const schema = ((r.content as Record<string, Json> | undefined)?.['application/json']?.schema ??
          null) as Json | null;
        return `<tr><td>${escapeHtml(status)}</td><td>${escapeHtml(String(r.description ?? ''))}</td><td>${schema ? typeOf(schema) : ''}</td></tr>`;
      });
      out.push(`<table><tr><th>status</th><th>meaning</th><th>body</th></tr>${responses.join('')}</table>`);
    }
  }
  out.push('<h2>Schemas</h2>');
  for (const [name, schema] of Object.entries(schemas)) {
    out.push(`<h3 id="${escapeHtml(name)}"><code>${escapeHtml(name)}</code></h3>`);
    if (schema.description) out.push(`<p>${escapeHtml(String(schema.description))}</p>`);
    out.push(schemaTable(schema));
    if (schema.example !== undefined)
      out.push(`<p>Example:</p><pre>${escapeHtml(JSON.stringify(schema.example, null, 2))}</pre>`);
  }
  out.push('</body></html>\n');
  return out.join('\n');
}
