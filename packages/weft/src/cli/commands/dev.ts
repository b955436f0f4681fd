import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { serverCommand } from './start.ts';

export function devCommand(context: CliContext): Command {
  return serverCommand(context, 'dev', 'like start, and reload flows when their files change', { watch: true });
}
