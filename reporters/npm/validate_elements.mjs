// Validates a mutation-testing-elements report against the npm package's JSON schema (draft-07).
// Usage: node validate_elements.mjs NODE_MODULES_DIR REPORT.json. Prints "valid" or the errors
// (exit code 1).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const [modules, report] = process.argv.slice(2);
const require = createRequire(path.join(modules, 'noop.js'));
const Ajv = require('ajv').default;
const addFormats = require('ajv-formats').default;
const schema = JSON.parse(fs.readFileSync(
    path.join(modules, 'mutation-testing-report-schema/dist/src/mutation-testing-report-schema.json')));
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);  // the schema uses "uri"
const validate = ajv.compile(schema);
if (validate(JSON.parse(fs.readFileSync(report, 'utf8')))) {
  console.log('valid');
} else {
  for (const e of validate.errors) console.log(`${e.instancePath || '/'} ${e.message}`);
  process.exit(1);
}
