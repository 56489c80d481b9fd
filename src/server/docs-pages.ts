import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * GET /docs: Swagger UI on /openapi.json, its files served from the installed
 * swagger-ui-dist (or the copy inside @fastify/swagger-ui); when neither is
 * installed the page loads Swagger UI from a CDN and, offline, shows links to
 * /redoc and /openapi.json instead. GET /redoc is rendered elsewhere
 * (api-reference.ts) as static HTML, no script at all.
 */

const CDN = 'https://cdn.jsdelivr.net/npm/swagger-ui-dist@5';

export const DOCS_ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

const INITIALIZER = `window.addEventListener('load', function () {
  if (!window.SwaggerUIBundle) return;
  document.getElementById('offline').remove();
  window.ui = window.SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });
});
`;

/** The folder holding Swagger UI's files, or null when no package provides them. */
function findSwaggerUiDir(): string | null {
  const require = createRequire(import.meta.url);
  const candidates: [string, string][] = [
    ['swagger-ui-dist/package.json', '.'],
    ['@fastify/swagger-ui/package.json', 'static'],
  ];
  for (const [pkg, sub] of candidates) {
    try {
      const dir = join(dirname(require.resolve(pkg)), sub);
      if (existsSync(join(dir, 'swagger-ui-bundle.js')) && existsSync(join(dir, 'swagger-ui.css'))) return dir;
    } catch {
      // not installed: try the next
    }
  }
  return null;
}

export class DocsPages {
  private dir: string | null | undefined;
  private readonly cache = new Map<string, Buffer>();

  constructor(private readonly title: string) {}

  private get assetDir(): string | null {
    if (this.dir === undefined) this.dir = findSwaggerUiDir();
    return this.dir;
  }

  /** True when Swagger UI is served from this machine (no CDN). */
  get local(): boolean {
    return this.assetDir !== null;
  }

  swaggerHtml(): string {
    const base = this.local ? '/docs' : CDN;
    return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(this.title)} – API docs</title>
<link rel="stylesheet" href="${base}/swagger-ui.css">
</head>
<body>
<div id="offline" style="font-family: sans-serif; margin: 2em">
<p>Swagger UI could not be loaded${this.local ? '' : ' (it comes from a CDN and this browser seems offline)'}.</p>
<p>See the <a href="/redoc">static API reference</a> or the <a href="/openapi.json">OpenAPI document</a>.</p>
</div>
<div id="swagger-ui"></div>
<script src="${base}/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-initializer.js"></script>
</body>
</html>
`;
  }

  /** Content-Security-Policy for the /docs page. */
  swaggerCsp(): string {
    const src = this.local ? "'self'" : `'self' https://cdn.jsdelivr.net`;
    return `default-src 'none'; script-src ${src}; style-src ${src} 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'`;
  }

  initializerJs(): string {
    return INITIALIZER;
  }

  /** A whitelisted Swagger UI file, or null when unknown or not installed. */
  async asset(name: string): Promise<{ type: string; body: Buffer } | null> {
    const type = DOCS_ASSETS[name];
    const dir = this.assetDir;
    if (type === undefined || dir === null) return null;
    let body = this.cache.get(name);
    if (body === undefined) {
      try {
        body = await readFile(join(dir, name));
      } catch {
        return null;
      }
      this.cache.set(name, body);
    }
    return { type, body };
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
