import { formatViolations, runPublishingChecks, type Violation } from './publishingChecks';

/**
 * `npm run lint:zapier` (scripts/lintZapier.js): the offline publishing checks over the app's
 * definition, with this app's reviewed exceptions. Exit code 1 on any violation.
 */
export const APP_EXEMPTIONS: Record<string, string> = {
  'D004 creates.update_call_record.operation.inputFields.contact_id':
    "The caller's ID in the user's own CRM, mapped from a CRM step (Find or Create Contact). The bridge cannot list another system's contacts, so there is nothing to put in a dropdown.",
};

export interface LintOutput {
  out: (line: string) => void;
  err: (line: string) => void;
}

export function lintDefinition(
  definition: unknown,
  output: LintOutput,
  exemptions: Record<string, string> = APP_EXEMPTIONS,
): { exitCode: number; violations: Violation[] } {
  const violations = runPublishingChecks(definition, { exemptions });
  const exempted = Object.keys(exemptions).length;
  if (violations.length === 0) {
    output.out(
      `Zapier publishing checks passed (D001–D006, D008, D010–D012, D017, D018, D021, D023, D024)${exempted ? `; ${exempted} reviewed exemption${exempted === 1 ? '' : 's'}` : ''}.`,
    );
    return { exitCode: 0, violations };
  }
  output.err(formatViolations(violations));
  output.err(
    `\n${violations.length} Zapier publishing check violation${violations.length === 1 ? '' : 's'}.`,
  );
  return { exitCode: 1, violations };
}
