import { runCli } from '../support/runCli';

/**
 * `npx 3cx-bridge --help` is where the README sends a new user: every command and subcommand
 * it lists says what it does (a bare `list [options]` leaves them guessing).
 */
function commandLines(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1] ?? '';
  return section
    .split('\n')
    .filter((line) => /^ {2}\S/.test(line))
    .filter((line) => !/^ {2}help \[command\]/.test(line));
}

it('every command and subcommand has a description in --help', async () => {
  const top = (await runCli(['--help'])).stdout;
  const groups = commandLines(top).map((line) => line.trim().split(/\s/)[0]);
  expect(groups).toEqual(expect.arrayContaining(['location', 'key', 'source-list', 'hours']));
  const undescribed: string[] = [];
  for (const [name, help] of [
    ['3cx-bridge', top],
    ...(await Promise.all(
      groups.map(async (g) => [g, (await runCli([g, '--help'])).stdout] as const),
    )),
  ])
    for (const line of commandLines(help))
      if (!/\S {2,}\S/.test(line.trimStart())) undescribed.push(`${name}: ${line.trim()}`);
  expect(undescribed).toEqual([]);
});
