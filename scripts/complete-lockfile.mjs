/**
 * Completes package-lock.json with entries for optional, platform-specific packages (e.g.
 * `@biomejs/cli-darwin-arm64`, `@esbuild/win32-x64`) that the npm registry mirror of our build
 * machines does not serve. `npm install` leaves them out of the lock, and `npm ci` then refuses
 * the lock as "Missing: … from lock file". With these entries `npm ci` accepts the lock and skips
 * the packages as failed optional dependencies, as it does for another platform's binaries.
 *
 * Run after every `npm install` that changes the lock: `node scripts/complete-lockfile.mjs`.
 */
import { readFileSync, writeFileSync } from "node:fs";

const path = process.argv[2] ?? "package-lock.json";
const lock = JSON.parse(readFileSync(path, "utf8"));
const packages = lock.packages;
let added = 0;
for (const [key, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = key === "" ? `node_modules/${name}` : `${key}/node_modules/${name}`;
    if (packages[nested] || packages[`node_modules/${name}`]) continue;
    packages[`node_modules/${name}`] = { version, optional: true, ...(entry.dev ? { dev: true } : {}) };
    added++;
  }
}
const sorted = Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1));
lock.packages = Object.fromEntries(sorted);
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} optional platform entries to ${path}`);
