/**
 * `text.trim()`, without the call when there is nothing to trim: empty text, and text that
 * starts and ends with a printable ASCII character other than a space (names, numbers and DNs
 * of the call log mostly do). Settling trims a few texts per call, and the built-in is a call
 * into the runtime.
 *
 * Empty text is answered before any `charCodeAt`: reading past the end of a string (`''`
 * has no first char) deoptimizes the optimized code that inlined this function ("out of
 * bounds"), and V8 then gives up speculating on these `charCodeAt` calls for good, making each
 * one a call into the runtime wherever this function is inlined (every leg's durations, every
 * settled call's names). A quarter of the names the call log gives are empty (BENCHMARKS.md,
 * issue 16 item 4, thirteenth round).
 */
export function trimText(text: string): string {
  const n = text.length;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, '' trims to itself; the check only keeps the reads below inside the text
  if (n === 0) return text;
  const first = text.charCodeAt(0);
  // Stryker disable next-line ArithmeticOperator: equivalent, past the end charCodeAt is NaN and trim() decides
  const last = text.charCodeAt(n - 1);
  // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator: equivalent, a shortcut: trim() leaves such text as it is
  if (first > 32 && first < 127 && last > 32 && last < 127) return text;
  return text.trim();
}
