import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createModuleImporter, ModuleImportError } from './module-import.ts';

describe('module importer', () => {
  let dir: string;
  const urlOf = (name: string) => pathToFileURL(join(dir, name)).href;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-module-import-'));
    await writeFile(join(dir, 'steps.ts'), 'export function enrich() { return 1; }\nexport const limit: number = 3;\nexport default async function () {}\n');
    await writeFile(join(dir, 'flow.ts'), "export default { id: 'f', trigger: { manual: {} }, steps: [{ id: 's', map: '1' }] };\n");
    await writeFile(join(dir, 'loops.ts'), 'while (true) {}\n');
    await writeFile(join(dir, 'exits.ts'), 'process.exit(3);\n');
    await writeFile(join(dir, 'throws.ts'), "throw new Error('no config');\n");
    await writeFile(join(dir, 'class-flow.ts'), 'export default { id: "f", build: () => 1 };\n');
    await writeFile(join(dir, 'marks.ts'), '(globalThis as Record<string, unknown>).weftImportedHere = true;\nexport const x = 1;\n');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("answers a module's exported functions and its default export", async () => {
    const importer = createModuleImporter();
    try {
      assert.deepEqual((await importer.exportedFunctions(urlOf('steps.ts'))).sort(), ['default', 'enrich']);
      assert.deepEqual(await importer.defaultExport(urlOf('flow.ts')), { id: 'f', trigger: { manual: {} }, steps: [{ id: 's', map: '1' }] });
      assert.equal(await importer.defaultExport(urlOf('marks.ts')), undefined);
    } finally {
      await importer.close();
    }
  });

  it("imports in a thread of its own: the module's top level never runs on the caller's", async () => {
    const importer = createModuleImporter();
    try {
      await importer.exportedFunctions(urlOf('marks.ts'));
      assert.equal((globalThis as Record<string, unknown>).weftImportedHere, undefined);
    } finally {
      await importer.close();
    }
  });

  it('stops a module that loops at top level when its budget passes, and imports the next in a fresh thread', async () => {
    const importer = createModuleImporter({ budgetMs: 300 });
    try {
      const started = performance.now();
      await assert.rejects(importer.exportedFunctions(urlOf('loops.ts')), (error) => error instanceof ModuleImportError && /did not finish loading within 0.3 s/.test(error.message));
      assert.ok(performance.now() - started < 3_000, 'stopped at its budget');
      assert.deepEqual((await importer.exportedFunctions(urlOf('steps.ts'))).sort(), ['default', 'enrich']);
    } finally {
      await importer.close();
    }
  });

  it('reports a module that exits or throws at top level, and goes on', async () => {
    const importer = createModuleImporter();
    try {
      await assert.rejects(importer.exportedFunctions(urlOf('exits.ts')), /ended the thread importing it: it exited with code 3/);
      await assert.rejects(importer.exportedFunctions(urlOf('throws.ts')), /no config/);
      await assert.rejects(importer.defaultExport(urlOf('class-flow.ts')), /its default export is not plain data/);
      assert.deepEqual((await importer.exportedFunctions(urlOf('steps.ts'))).sort(), ['default', 'enrich']);
    } finally {
      await importer.close();
    }
  });

  it('sees a module as it is now: each importer starts with an empty module cache', async () => {
    await writeFile(join(dir, 'edited.ts'), 'export function first() {}\n');
    const before = createModuleImporter();
    assert.deepEqual(await before.exportedFunctions(urlOf('edited.ts')), ['first']);
    await before.close();
    await writeFile(join(dir, 'edited.ts'), 'export function second() {}\n');
    const after = createModuleImporter();
    assert.deepEqual(await after.exportedFunctions(urlOf('edited.ts')), ['second']);
    await after.close();
  });
});
