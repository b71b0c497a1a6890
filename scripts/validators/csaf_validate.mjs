// CSAF 2.0 validation with the BSI @secvisogram/csaf-validator-lib:
// strict JSON schema (csaf_2_0_strict) + all mandatory tests (6.1.x) = "basic" preset.
// --optional additionally runs the optional tests (6.2.x); their findings are printed as
// warnings and never change the exit code.  Exit 0 = valid, 1 = invalid, 2 = usage/IO error.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const args = process.argv.slice(2)
const optional = args.includes('--optional')
const file = args.find((a) => !a.startsWith('--'))
if (!file) { console.error('usage: csaf_validate.mjs FILE [--optional]'); process.exit(2) }
const lib = join(process.env.NODE_CACHE_DIR || join(process.env.HOME || '/root', '.cache/embargo-validators/node'), 'node_modules/@secvisogram/csaf-validator-lib')
const imp = (p) => import(pathToFileURL(join(lib, p)).href)

let doc
try { doc = JSON.parse(readFileSync(file, 'utf8')) } catch (e) { console.error(`INVALID: cannot parse JSON: ${e.message}`); process.exit(1) }

const validateStrict = (await imp('validateStrict.js')).default
const schema = await imp('schemaTests.js')
const mandatory = await imp('mandatoryTests.js')
const tests = [schema.csaf_2_0_strict, ...Object.values(mandatory)]
const res = await validateStrict(tests, doc)
let failed = 0
for (const t of res.tests) {
  for (const e of t.errors || []) { failed++; console.error(`ERROR ${t.name} ${e.instancePath}: ${e.message}`) }
  for (const w of t.warnings || []) console.error(`warning ${t.name} ${w.instancePath}: ${w.message}`)
}
if (optional) {
  const opt = await imp('optionalTests.js')
  const r2 = await validateStrict(Object.values(opt), doc)
  for (const t of r2.tests) for (const w of [...(t.errors || []), ...(t.warnings || [])]) console.error(`optional ${t.name} ${w.instancePath}: ${w.message}`)
}
if (!res.isValid || failed) { console.error(`INVALID: ${file} (${failed} error(s) from schema/mandatory tests)`); process.exit(1) }
console.log(`VALID: ${file} (CSAF 2.0 strict schema + ${Object.keys(mandatory).length} mandatory tests)`)
