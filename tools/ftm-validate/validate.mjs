#!/usr/bin/env node
// validate.mjs checks FtM JSON lines (one entity per line, as
// `liaison record export` writes them) against the FollowTheMoney
// reference model, the npm package @alephdata/followthemoney pinned in
// package.json.
//
// Usage: node validate.mjs [FILE ...]   (no FILE: standard input)
//
// For every entity it checks, with the library's model API:
//   - the line is a JSON object with a string id, a string schema and a
//     properties object whose values are lists of strings;
//   - the schema exists (Model.getSchema) and is not abstract;
//   - every property exists on the schema (Schema.hasProperty);
//   - every value is non-empty and no longer than the property's (or its
//     type's) maxLength, and, for types with a fixed vocabulary (country,
//     language, gender, topic: PropertyType.values), one of its values;
//   - the library reads the entity back unchanged (Model.getEntity, then
//     Entity.toJSON gives the same properties and values).
//
// The reference model has no validators for the free-form types (dates,
// IBANs, phone numbers, …): Liaison's own normalisers check those.
//
// Each problem is printed on standard output as
// "line N: entity ID: property P: message"; a summary goes to standard
// error. Exit status: 0 if every entity is valid, 1 if any is not, 2 on a
// usage or read error.

import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import ftm from '@alephdata/followthemoney';

const { Model, defaultModel } = ftm;
const model = new Model(defaultModel);
const { version } = createRequire(import.meta.url)('@alephdata/followthemoney/package.json');

// Code points, as FtM counts lengths (Python len).
const length = (s) => [...s].length;

function checkEntity(raw, where, report) {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    report(where, 'not a JSON object');
    return;
  }
  if (typeof raw.id !== 'string' || raw.id === '') {
    report(where, 'id is missing or not a string');
    return;
  }
  where += `: entity ${raw.id}`;
  let schema;
  try {
    schema = model.getSchema(raw.schema);
  } catch (e) {
    report(where, `schema: ${e.message}`);
    return;
  }
  if (schema.abstract) {
    report(where, `schema ${schema.name} is abstract`);
    return;
  }
  const props = raw.properties ?? {};
  if (typeof props !== 'object' || Array.isArray(props)) {
    report(where, 'properties is not an object');
    return;
  }
  let ok = true;
  for (const [name, values] of Object.entries(props)) {
    const at = `${where}: property ${name}`;
    if (!schema.hasProperty(name)) {
      report(at, `property does not exist on ${schema.name}`);
      ok = false;
      continue;
    }
    const prop = schema.getProperty(name);
    if (!Array.isArray(values)) {
      report(at, 'values are not a list');
      ok = false;
      continue;
    }
    const max = prop.maxLength || prop.type.maxLength;
    values.forEach((v, i) => {
      if (typeof v !== 'string') {
        report(at, `value ${i + 1} is not a string`);
        ok = false;
      } else if (v.trim() === '') {
        report(at, `value ${i + 1} is empty`);
        ok = false;
      } else if (max && length(v) > max) {
        report(at, `value ${i + 1} is longer than ${max} characters`);
        ok = false;
      } else if (prop.type.values.size > 0 && !prop.type.values.has(v)) {
        report(at, `value ${i + 1} is not a valid ${prop.type.name}`);
        ok = false;
      }
    });
  }
  if (!ok) {
    return;
  }
  const back = model.getEntity(raw).toJSON();
  if (back.id !== raw.id || back.schema !== schema.name) {
    report(where, 'the model reads back a different id or schema');
    return;
  }
  const got = back.properties ?? {};
  for (const [name, values] of Object.entries(props)) {
    const again = (got[name] ?? []).map((v) => (typeof v === 'string' ? v : v.id));
    if (JSON.stringify(again) !== JSON.stringify(values)) {
      report(`${where}: property ${name}`, 'the model reads back different values');
    }
  }
}

async function validate(stream, label, report) {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  let entities = 0;
  for await (const text of lines) {
    n++;
    if (text.trim() === '') {
      continue;
    }
    const where = label ? `${label}: line ${n}` : `line ${n}`;
    let raw;
    try {
      raw = JSON.parse(text);
    } catch {
      report(where, 'not valid JSON');
      continue;
    }
    entities++;
    checkEntity(raw, where, report);
  }
  return entities;
}

async function main(files) {
  let problems = 0;
  const report = (where, msg) => {
    problems++;
    process.stdout.write(`${where}: ${msg}\n`);
  };
  let entities = 0;
  if (files.length === 0) {
    entities += await validate(process.stdin, '', report);
  }
  for (const f of files) {
    entities += await validate(createReadStream(f), files.length > 1 ? f : '', report);
  }
  process.stderr.write(`${entities} entities, ${problems} problems (@alephdata/followthemoney ${version})\n`);
  return problems === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`ftm-validate: ${err.message}\n`);
    process.exit(2);
  },
);
