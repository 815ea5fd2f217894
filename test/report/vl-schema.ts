/**
 * Validate Vega-Lite specs against the JSON schema shipped with vega-lite (ajv, compiled once per process).
 */
import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";

let validate: ValidateFunction | undefined;

/** Schema errors of `spec` as readable lines; empty when the spec is valid. */
export function vegaLiteSchemaErrors(spec: unknown): string[] {
  if (!validate) {
    const path = new URL("../../node_modules/vega-lite/build/vega-lite-schema.json", import.meta.url);
    const schema = JSON.parse(readFileSync(path, "utf8")) as object;
    validate = new Ajv({
      allErrors: false,
      strict: false,
      allowUnionTypes: true,
      validateFormats: false,
      logger: false,
    }).compile(schema);
  }
  if (validate(spec)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`);
}
