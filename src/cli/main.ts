/**
 * `simpul`: one command, every role as a subcommand. Each part registers its own
 * subcommands from its `cli.ts`, so this file only lists the parts.
 */
import { Command } from 'commander';

const program = new Command('simpul')
  .description('Simpul: integrate government systems through signed, purpose-checked, logged exchanges.')
  .showHelpAfterError()
  .version('0.1.0');

const parts: Array<() => Promise<{ register(program: Command): void }>> = [
  () => import('../adapters/cli.js'),
  () => import('../demo/cli.js'),
  () => import('../events/cli.js'),
  () => import('../gateway/cli.js'),
  () => import('../log/cli.js'),
  () => import('../portal/cli.js'),
  () => import('../registry/cli.js'),
  () => import('../reconcile/cli.js'),
];

for (const load of parts) (await load()).register(program);

await program.parseAsync(process.argv);
