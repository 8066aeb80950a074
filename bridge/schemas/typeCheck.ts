/**
 * `true` only when two types are identical. A zod schema written for a type declared in lib/
 * states `const _same: SameType<z.output<typeof schema>, TheInterface> = true`, so adding,
 * removing or changing a field on one side and not the other fails the build, not a request.
 */
export type SameType<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
