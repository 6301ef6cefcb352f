// A TypeScript team's path to a client, run on a served document: Modelina generates the
// models, `tsc --strict` compiles them with a small typed client (chat-client.ts), esbuild
// bundles that for the browser, and headless Chromium runs it against the live server.
//
//   node typescript.mjs http://HOST:PORT WORK_DIR
//
// Prints one JSON report on stdout: {models, diagnostics, frames, error}. The Rust test
// (examples/chat/tests/interop.rs) asserts on it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TypeScriptGenerator } from '@asyncapi/modelina';
import ts from 'typescript';
import * as esbuild from 'esbuild';
import puppeteer from 'puppeteer-core';

const [base, work] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
const report = { models: [], diagnostics: [], frames: [], error: null };

try {
  const document = await (await fetch(`${base}/asyncapi.json`)).json();

  // Property names as the wire has them (Modelina would camelCase `request_id`), union
  // types for enums, plain records for open objects.
  const generator = new TypeScriptGenerator({
    modelType: 'interface',
    enumType: 'union',
    mapType: 'record',
    rawPropertyNames: true,
    moduleSystem: 'ESM',
  });
  const models = await generator.generateCompleteModels(document, { exportType: 'named' });
  const dir = path.join(work, 'models');
  fs.mkdirSync(dir, { recursive: true });
  for (const model of models) {
    report.models.push(model.modelName);
    fs.writeFileSync(path.join(dir, `${model.modelName}.ts`), model.result);
  }

  const client = path.join(work, 'chat-client.ts');
  fs.copyFileSync(path.join(here, 'chat-client.ts'), client);
  const program = ts.createProgram([client], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  });
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const where = d.file ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : '';
    report.diagnostics.push(where + ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  }

  if (report.diagnostics.length === 0) {
    const bundle = await esbuild.build({
      entryPoints: [client],
      bundle: true,
      format: 'iife',
      globalName: 'chatClient',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    const browser = await puppeteer.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
      userDataDir: path.join(work, 'profile'),
    });
    try {
      const page = await browser.newPage();
      await page.goto(`${base}/asyncapi.json`);
      await page.addScriptTag({ content: bundle.outputFiles[0].text });
      const ws = base.replace(/^http/, 'ws');
      report.frames = await page.evaluate((ws) => globalThis.chatClient.run(ws), ws);
    } finally {
      await browser.close();
    }
  }
} catch (error) {
  report.error = String(error?.stack ?? error);
}
console.log(JSON.stringify(report));
