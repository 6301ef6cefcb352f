// Validates AsyncAPI documents with the official parser.
// Usage: node parse.mjs FILE...   Prints one JSON line per file:
//   {"file": ..., "valid": bool, "errors": [{"code", "message", "path"}], "warnings": n}
// Exit code 0 when every file is valid, 1 otherwise.
import { readFile } from 'node:fs/promises';
import { Parser } from '@asyncapi/parser';

const parser = new Parser();
let failed = false;
for (const file of process.argv.slice(2)) {
  const text = await readFile(file, 'utf8');
  const { document, diagnostics } = await parser.parse(text, { source: file });
  // Severity 0 is an error in the parser's (Spectral's) diagnostics.
  const errors = diagnostics
    .filter((d) => d.severity === 0)
    .map((d) => ({ code: d.code, message: d.message, path: d.path.join('/') }));
  const valid = document !== undefined && errors.length === 0;
  failed ||= !valid;
  const warnings = diagnostics.filter((d) => d.severity === 1).length;
  console.log(JSON.stringify({ file, valid, errors, warnings }));
}
process.exit(failed ? 1 : 0);
