import { Schema } from "effect";
import type { StageKind } from "./contract/index.js";
import { experimentKeys, pipelineKeys, type PipelineDecl } from "./config.js";
import { ResourcesSchema } from "./resources.js";

/**
 * JSON Schemas for editors, generated from the stage kinds' param Schemas (the one source of
 * truth): YAML-language-server then completes and checks params as you type.
 */
type Json = Record<string, unknown>;

function paramsSchema(kind: StageKind, defs: Json): Json {
  const doc = Schema.toJsonSchemaDocument(kind.params as any) as { schema: Json; definitions?: Json };
  Object.assign(defs, doc.definitions ?? {});
  const { required: _r, not: _n, ...rest } = doc.schema; // every param may be overridden on its own, so none is required here
  return { ...rest, type: ["object", "null"], properties: rest.properties ?? {}, additionalProperties: false, description: kind.description };
}

/** Scheduler hints (see resources.ts), for completion in pipelines/*.yaml. */
const resourcesJson = { ...(Schema.toJsonSchemaDocument(ResourcesSchema).schema as Json), description: "cluster resources for this node (lcl run --executor slurm); not part of the fingerprint" };

export function pipelineJsonSchema(kinds: readonly StageKind[]): Json {
  const defs: Json = {};
  const perKind = kinds.map((k) => ({
    if: { properties: { uses: { const: k.name } }, required: ["uses"] },
    then: { properties: {
      params: paramsSchema(k, defs),
      inputs: { type: "object", additionalProperties: false, properties: Object.fromEntries(Object.entries(k.inputs).map(([p, spec]) => {
        const ref = { type: "string", pattern: "^[A-Za-z][A-Za-z0-9_-]*\\.[A-Za-z][A-Za-z0-9_-]*$" };
        const description = `${spec.kind}${spec.many ? " (all variants; a list joins several outputs)" : ""}${spec.description ? `: ${spec.description}` : ""}`;
        return [p, spec.many ? { description, anyOf: [ref, { type: "array", minItems: 1, items: ref }] } : { ...ref, description }];
      })) },
    } },
  }));
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema", title: "lcl pipeline", type: "object", additionalProperties: false,
    required: ["nodes"],
    properties: {
      $schema: { type: "string" }, description: { type: "string" },
      nodes: { type: "object", additionalProperties: {
        type: "object", additionalProperties: false, required: ["uses"],
        properties: Object.fromEntries(pipelineKeys.node.map((k) => [k, k === "uses" ? { enum: kinds.map((x) => x.name), description: "stage kind (a module in stages/)" } : k === "resources" ? resourcesJson : {}])),
        allOf: perKind,
      } },
    },
    $defs: defs,
  };
}

export function experimentsJsonSchema(pipelines: readonly PipelineDecl[], kindOf: (name: string) => StageKind | undefined): Json {
  const defs: Json = {};
  const byNode = new Map<string, Json[]>();
  for (const p of pipelines) for (const n of p.nodes.values()) {
    const k = kindOf(n.uses);
    if (k) byNode.set(n.name, [...(byNode.get(n.name) ?? []), paramsSchema(k, defs)]);
  }
  const one = (list: Json[]) => (list.length === 1 ? list[0]! : { anyOf: list });
  const sweepOf = (s: Json): Json => ({
    anyOf: [
      { type: "object", additionalProperties: false, properties: Object.fromEntries(Object.entries((s.properties as Json) ?? {}).map(([k, v]) => [k, { type: "array", items: v, minItems: 1 }])) },
      { type: "array", items: s, minItems: 1 },
    ],
  });
  const experiment = {
    type: "object", additionalProperties: false,
    properties: {
      pipeline: { enum: pipelines.map((p) => p.name), description: "DAG template: pipelines/<name>.yaml" },
      extends: { type: "string", description: "inherit pipeline, params, matrix and zip from another experiment" },
      description: { type: "string" },
      params: { type: "object", additionalProperties: false, properties: Object.fromEntries([...byNode].map(([n, l]) => [n, one(l)])) },
      matrix: { type: "object", additionalProperties: false, properties: Object.fromEntries([...byNode].map(([n, l]) => [n, one(l.map(sweepOf))])) },
      zip: {
        type: "object", description: "named axes that set params of several nodes in lockstep",
        additionalProperties: { type: "object", propertyNames: { pattern: "^[A-Za-z][A-Za-z0-9_-]*\\.[A-Za-z_][A-Za-z0-9_]*$" }, additionalProperties: { type: "array", minItems: 1 } },
      },
    },
  };
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema", title: "lcl experiments.yaml", type: "object", additionalProperties: false,
    required: ["experiments"],
    properties: Object.fromEntries(experimentKeys.top.map((k) => [k, k === "experiments" ? { type: "object", additionalProperties: experiment } : { type: "string" }])),
    $defs: defs,
  };
}
