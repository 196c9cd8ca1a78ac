// Writes target/frontend/examples.ts: every whole-body example of /openapi.json, typed by the
// generated client's type for that body, so the compiler holds the examples to the types.
import { readFileSync, writeFileSync } from "node:fs";

const doc = JSON.parse(readFileSync("../../target/frontend/openapi.json", "utf8"));
const lines = ['import type { paths } from "./api";', ""];
let n = 0;
for (const [path, item] of Object.entries(doc.paths)) {
  for (const [method, op] of Object.entries(item)) {
    const example = op.requestBody?.content?.["application/json"]?.example;
    const at = `paths[${JSON.stringify(path)}][${JSON.stringify(method)}]`;
    if (example !== undefined) {
      lines.push(`export const ${op.operationId}_request: NonNullable<${at}["requestBody"]>["content"]["application/json"] = ${JSON.stringify(example)};`);
      n++;
    }
    for (const [status, r] of Object.entries(op.responses)) {
      const e = r.content?.["application/json"]?.example;
      if (e !== undefined) {
        lines.push(`export const ${op.operationId}_${status}: ${at}["responses"][${status}]["content"]["application/json"] = ${JSON.stringify(e)};`);
        n++;
      }
    }
  }
}
writeFileSync("../../target/frontend/examples.ts", lines.join("\n") + "\n");
console.log(`${n} whole-body examples typed`);
