// An npm registry on 127.0.0.1 that serves the packages installed in a node_modules folder (their
// package.json as the metadata, their files packed on demand): `npm install` of jobline's packed
// tarball then finds every dependency without reaching any other machine (tests talk only to
// 127.0.0.1, and CI's npm cache holds the packages' files but not their metadata).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

/** A running registry: its URL (ends with `/`), and how to stop it. */
export interface LocalRegistry {
  url: string;
  close(): Promise<void>;
}

interface Version {
  manifest: Record<string, unknown>;
  dir: string;
  packed?: { data: Buffer; shasum: string; integrity: string };
}

// Every package folder under `nodeModules`, nested node_modules included, by name and version.
function collect(nodeModules: string, into = new Map<string, Map<string, Version>>()): Map<string, Map<string, Version>> {
  if (!existsSync(nodeModules)) return into;
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue;
    const dirs = entry.startsWith('@') ? readdirSync(join(nodeModules, entry)).map((name) => join(nodeModules, entry, name)) : [join(nodeModules, entry)];
    for (const dir of dirs) {
      const file = join(dir, 'package.json');
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> & { name?: string; version?: string };
      if (!manifest.name || !manifest.version) continue;
      const versions = into.get(manifest.name) ?? new Map<string, Version>();
      if (!versions.has(manifest.version)) versions.set(manifest.version, { manifest, dir });
      into.set(manifest.name, versions);
      collect(join(dir, 'node_modules'), into);
    }
  }
  return into;
}

// The package's files as npm packs them (under `package/`), without its own node_modules.
function pack(version: Version): NonNullable<Version['packed']> {
  if (!version.packed) {
    const data = execFileSync('tar', ['-czf', '-', '--exclude=./node_modules', '--transform', 's,^\\.,package,', '-C', version.dir, '.'], { maxBuffer: 256 * 1024 * 1024 });
    version.packed = { data, shasum: createHash('sha1').update(data).digest('hex'), integrity: `sha512-${createHash('sha512').update(data).digest('base64')}` };
  }
  return version.packed;
}

/** Starts a registry for the packages of `nodeModules` on a free port of 127.0.0.1. */
export async function startLocalRegistry(nodeModules: string): Promise<LocalRegistry> {
  const packages = collect(nodeModules);
  let url = '';
  const server = createServer((request, response) => {
    const path = decodeURIComponent((request.url ?? '/').split('?')[0]!.slice(1));
    const tarball = /^(.+)\/-\/[^/]+-(\d[^/]*)\.tgz$/.exec(path);
    if (tarball) {
      const version = packages.get(tarball[1]!)?.get(tarball[2]!);
      if (!version) return void response.writeHead(404).end();
      return void response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(pack(version).data);
    }
    const versions = packages.get(path);
    if (!versions) return void response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    const entries = [...versions.entries()].map(([number, version]) => {
      const { shasum, integrity } = pack(version);
      const base = path.includes('/') ? path.split('/')[1] : path;
      return [number, { ...version.manifest, dist: { tarball: `${url}${path}/-/${base}-${number}.tgz`, shasum, integrity } }] as const;
    });
    const body = { name: path, 'dist-tags': { latest: entries.at(-1)![0] }, versions: Object.fromEntries(entries) };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
