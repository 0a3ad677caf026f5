/**
 * The layering of src/ and the size of its files, as `.dependency-cruiser.cjs` declares them
 * (docs/DESIGN.md "Layout of src/"): checked by the test command so that the shape cannot drift.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = fileURLToPath(new URL("../..", import.meta.url));
const rules = createRequire(import.meta.url)(join(root, ".dependency-cruiser.cjs")) as {
  fileSizes: { root: string; maxLines: number; exceptions: Record<string, string> };
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

function lineCount(path: string): number {
  return readFileSync(path, "utf8").trimEnd().split("\n").length;
}

describe("layout of src/", () => {
  it("respects every import rule of .dependency-cruiser.cjs (no cycles, pure core, adapters never import upwards)", async () => {
    const cli = join(root, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");
    const run = promisify(execFile)(
      process.execPath,
      [cli, "--config", ".dependency-cruiser.cjs", "--output-type", "err", "src"],
      {
        cwd: root,
      },
    );
    const outcome = await run.then(
      (result) => ({ failed: false, output: result.stdout }),
      (error: { stdout?: string; stderr?: string }) => ({
        failed: true,
        output: `${error.stdout}${error.stderr}`,
      }),
    );
    assert.equal(outcome.failed, false, outcome.output);
    assert.match(outcome.output, /no dependency violations found/);
  });

  it(`has no file over ${rules.fileSizes.maxLines} lines but the named exceptions, and no stale exception`, () => {
    const { maxLines, exceptions } = rules.fileSizes;
    const tooLong = sourceFiles(join(root, rules.fileSizes.root))
      .map((path) => ({ file: relative(root, path), lines: lineCount(path) }))
      .filter(({ file, lines }) => lines > maxLines && exceptions[file] === undefined);
    assert.deepEqual(tooLong, [], "split these files, or name them as exceptions with a reason");
    for (const [file, reason] of Object.entries(exceptions)) {
      assert.ok(reason.trim() !== "", `${file}: an exception needs its reason`);
      assert.ok(
        lineCount(join(root, file)) > maxLines,
        `${file} is no longer over the limit: drop its exception`,
      );
    }
  });
});
