import { Effect, Schema } from "effect";

/**
 * Param builders: one Effect Schema per param carrying type, range, default and description,
 * so YAML validation, the JSON Schema for editors and the docs all come from one place.
 * Plain `Schema` values work too; these only save boilerplate.
 */
interface Common<T> { readonly default?: T; readonly description?: string }

function finish<S extends Schema.Top>(schema: S, o: Common<unknown>) {
  const annotated = schema.pipe(Schema.annotate({
    ...(o.description !== undefined ? { description: o.description } : {}),
    ...(o.default !== undefined ? { default: o.default } : {}),
  }));
  return o.default === undefined
    ? annotated
    : annotated.pipe(Schema.withDecodingDefaultKey(Effect.succeed(o.default as never)));
}

interface Range { readonly min?: number; readonly max?: number; readonly exclusiveMin?: number }

function ranged<S extends Schema.Finite | Schema.Int>(base: S, o: Range): S {
  let s: any = base;
  if (o.min !== undefined && o.max !== undefined) s = s.check(Schema.isBetween({ minimum: o.min, maximum: o.max }));
  else if (o.min !== undefined) s = s.check(Schema.isGreaterThanOrEqualTo(o.min));
  else if (o.max !== undefined) s = s.check(Schema.isLessThanOrEqualTo(o.max));
  if (o.exclusiveMin !== undefined) s = s.check(Schema.isGreaterThan(o.exclusiveMin));
  return s;
}

export const param = {
  number: (o: Common<number> & Range = {}) => finish(ranged(Schema.Finite, o), o),
  int: (o: Common<number> & Range = {}) => finish(ranged(Schema.Int, o), o),
  string: (o: Common<string> = {}) => finish(Schema.String, o),
  bool: (o: Common<boolean> = {}) => finish(Schema.Boolean, o),
  choice: <const L extends readonly [string, ...string[]]>(values: L, o: Common<L[number]> = {}) =>
    finish(Schema.Literals(values), o),
  numbers: (o: Common<readonly number[]> = {}) => finish(Schema.Array(Schema.Finite), o),
  strings: (o: Common<readonly string[]> = {}) => finish(Schema.Array(Schema.String), o),
  /** A list of values, each one of `values` (e.g. which datasets to include). */
  choices: <const L extends readonly [string, ...string[]]>(values: L, o: Common<readonly L[number][]> = {}) =>
    finish(Schema.Array(Schema.Literals(values)), o),
};
