import { z } from 'zod';

/** Each schema's compiled clone, by the schema itself. */
const compiledClones = new WeakMap<z.ZodType, z.ZodType>();

/**
 * The schema compiled by zod's ahead-of-time compiler (`z.compile`), once per schema: a
 * forward parse (`safeParse`) with it gives what the interpreter gives, the same value or, on
 * a refusal, the same issues (the compiled parse hands what it refuses back to the
 * interpreter), and a schema zod cannot compile comes back as it is.
 *
 * Why: the interpreter's first parse of a schema in a process builds the schema's internals,
 * milliseconds for the bigger ones, inside whatever request or poll met it first, and its warm
 * parse is slower (issue 16: no event-loop stall over 50 ms; BENCHMARKS.md "Issue 16, item 3:
 * zod's compiled parsers"). Call it where the schema is set up (route compilation at boot,
 * module load), never first inside a request: the compile is the costly part.
 */
export function compiledParse<S extends z.ZodType>(schema: S): S {
  let compiled = compiledClones.get(schema);
  if (compiled === undefined) {
    compiled = z.compile(schema);
    compiledClones.set(schema, compiled);
  }
  return compiled as S;
}

/** The compiled clone when `compiledParse` made one, else the schema itself. */
export function compiledIfAny<S extends z.ZodType>(schema: S): S {
  return (compiledClones.get(schema) as S | undefined) ?? schema;
}
