/** Shared YAML for engine tests: source → scale → join, and a sweep over scale. */
export const pipeline = `
description: test pipeline
nodes:
  src:
    uses: t-source
  scale:
    uses: t-scale
    inputs: { table: src.table }
  join:
    uses: t-join
    inputs: { tables: scale.table }
`;

export const experiments = (extra = "") => `
default: base
experiments:
  base:
    pipeline: p
${extra}`;

export const files = (extra = "") => ({ "pipelines/p.yaml": pipeline, "experiments.yaml": experiments(extra) });
