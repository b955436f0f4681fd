import { Command } from 'commander';
import { canonical } from '@weft/sdk';
import type { XrefGroup } from '../../store/store.ts';
import { XrefConflictError, type XrefRef } from '../../xref/xref-plan.ts';
import { addConfigOption, addSettingOptions, CliError, loadCliConfig, withStore, type CliContext, type ConfigFlags } from '../context.ts';
import { createOutput, formatTime } from '../output.ts';

/** `weft xref get|set|list|unlink`: the cross-reference of ids between systems. */
export function xrefCommand(context: CliContext): Command {
  const command = new Command('xref').description('which ids in which systems are the same record (cross-references)');

  const get = new Command('get')
    .description('every id linked with one record, e.g. `weft xref get customer shopify:7001`')
    .argument('<entity>', `a canonical entity: ${canonical.CANONICAL_ENTITIES.join(', ')}`)
    .argument('<system:id>', 'the id you know, with its system (a connection name or a key such as email)')
    .option('--json', 'print JSON');
  addConfigOption(get);
  addSettingOptions(get, ['db']);
  get.action(async (entity: string, refText: string, flags: ConfigFlags & { json?: boolean }) => {
    const name = checkEntity(entity);
    const ref = parseRef(refText);
    const group = await withStore(loadCliConfig(context, flags), (store) => store.xref.find(name, ref));
    // Not found is an error in both forms, as for `weft runs show`: a script sees the exit status.
    if (group === undefined) throw new CliError(`${ref.system} ${name} ${ref.id} is not linked to anything`);
    const out = createOutput(context);
    if (flags.json) return out.json(group);
    printLinks(out, group);
  });

  const set = new Command('set')
    .description('link two ids as one record, e.g. `weft xref set customer shopify:7001 netsuite:3345`')
    .argument('<entity>')
    .argument('<system:id>')
    .argument('<system:id>', 'the other id')
    .option('--json', 'print JSON');
  addConfigOption(set);
  addSettingOptions(set, ['db']);
  set.action(async (entity: string, aText: string, bText: string, flags: ConfigFlags & { json?: boolean }) => {
    const name = checkEntity(entity);
    const a = parseRef(aText);
    const b = parseRef(bText);
    const group = await withStore(loadCliConfig(context, flags), async (store) => {
      try {
        await store.xref.link(name, a, b, Date.now());
      } catch (error) {
        if (error instanceof XrefConflictError) throw new CliError(`${error.message}. ${error.remedy('then set it again') ?? 'Nothing can link them.'}`);
        throw error;
      }
      return store.xref.find(name, a);
    });
    const out = createOutput(context);
    if (flags.json) return out.json(group);
    printLinks(out, group!);
  });

  const list = new Command('list')
    .description('linked records, newest link first')
    .option('--entity <entity>', 'only this entity')
    .option('--system <system>', 'only records with an id in this system')
    .option('--limit <n>', 'at most this many records', '50')
    .option('--json', 'print JSON');
  addConfigOption(list);
  addSettingOptions(list, ['db']);
  list.action(async (flags: ConfigFlags & { entity?: string; system?: string; limit: string; json?: boolean }) => {
    const limit = Number(flags.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--limit must be a positive whole number, got '${flags.limit}'`);
    const filter = { limit, ...(flags.entity ? { entity: checkEntity(flags.entity) } : {}), ...(flags.system ? { system: flags.system } : {}) };
    const groups = await withStore(loadCliConfig(context, flags), (store) => store.xref.list(filter));
    const out = createOutput(context);
    if (flags.json) return out.json(groups);
    if (groups.length === 0) return out.note('no cross-references yet (flows link records when a call step has xref:, or use `weft xref set`)');
    out.table(groups, [
      { header: 'entity', value: (group) => group.entity },
      { header: 'ids', value: (group) => group.links.map((link) => `${link.system}:${link.id}`).join('  ') },
      { header: 'last linked', value: (group) => formatTime(Math.max(...group.links.map((link) => link.linkedAt))) },
    ]);
  });

  const unlink = new Command('unlink')
    .description('take one id out of its record (the others stay linked), e.g. to resolve a conflict')
    .argument('<entity>')
    .argument('<system:id>');
  addConfigOption(unlink);
  addSettingOptions(unlink, ['db']);
  unlink.action(async (entity: string, refText: string, flags: ConfigFlags) => {
    const name = checkEntity(entity);
    const ref = parseRef(refText);
    const removed = await withStore(loadCliConfig(context, flags), (store) => store.xref.unlink(name, ref));
    if (!removed) throw new CliError(`${ref.system} ${name} ${ref.id} is not linked to anything`);
    createOutput(context).line(`unlinked ${ref.system} ${name} ${ref.id}`);
  });

  return command.addCommand(get).addCommand(set).addCommand(list).addCommand(unlink);
}

/** "shopify:7001" → { system: shopify, id: 7001 }; the id may itself contain colons (gid://…). */
function parseRef(text: string): XrefRef {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) throw new CliError(`'${text}' is not <system>:<id>, e.g. shopify:7001`);
  return { system: text.slice(0, colon), id: text.slice(colon + 1) };
}

function checkEntity(entity: string): string {
  if (!canonical.isCanonicalEntity(entity)) throw new CliError(`'${entity}' is not a canonical entity; one of: ${canonical.CANONICAL_ENTITIES.join(', ')}`);
  return entity;
}

function printLinks(out: ReturnType<typeof createOutput>, group: XrefGroup): void {
  out.table(group.links, [
    { header: 'system', value: (link) => link.system },
    { header: group.entity, value: (link) => link.id },
    { header: 'linked', value: (link) => formatTime(link.linkedAt) },
  ]);
}
