import App from '../../index';

/**
 * The app as Zapier's tooling sees it, through zapier-platform-core's own command handler
 * (docs/zapier-facts.md §8): `definition` serializes it (functions become `$func$…`), `validate` runs
 * the schema and functional constraints that `zapier-platform validate` runs.
 */
type CommandHandler = (event: {
  command: string;
  calledFromCli: boolean;
}) => Promise<{ results: unknown }>;
const { createAppHandler } = require('zapier-platform-core') as {
  createAppHandler: (app: object) => CommandHandler;
};

export async function appDefinition(): Promise<Record<string, unknown>> {
  const { results } = await createAppHandler(App)({ command: 'definition', calledFromCli: true });
  return results as Record<string, unknown>;
}

export async function schemaErrors(app: object = App): Promise<unknown[]> {
  const { results } = await createAppHandler(app)({ command: 'validate', calledFromCli: true });
  return results as unknown[];
}

export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
