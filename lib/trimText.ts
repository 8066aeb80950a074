/**
 * `text.trim()`, without the call when there is nothing to trim: text that starts and ends with
 * a printable ASCII character other than a space (names, numbers and DNs of the call log
 * mostly do). Settling trims a few texts per call, and the built-in is a call into the runtime.
 */
export function trimText(text: string): string {
  const first = text.charCodeAt(0);
  // Stryker disable next-line ArithmeticOperator: equivalent, past the end charCodeAt is NaN and trim() decides
  const last = text.charCodeAt(text.length - 1);
  // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator: equivalent, a shortcut: trim() leaves such text as it is
  if (first > 32 && first < 127 && last > 32 && last < 127) return text;
  return text.trim();
}
