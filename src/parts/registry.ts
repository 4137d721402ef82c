/**
 * Every part smgr knows, in the order serve starts them and status shows
 * them. Adding a part adds its folder and one line here (and its config
 * entry's schema in src/config/config-schema.ts).
 */
import type { SmgrConfig } from '../config/config-schema.js';
// data warehouse (issue 9)
import { dataWarehousePart } from '../data-warehouse/data-warehouse-part.js';
import { managementServerPart } from '../management-server/management-server-part.js';
import { portalPart } from '../portal/portal-part.js';
import type { PartDefinition, PartName } from './part.js';

export const partDefinitions: readonly PartDefinition[] = [
  managementServerPart,
  dataWarehousePart,
  portalPart,
];

/** The parts whose entry is in this config, in registry order. */
export function installedParts(config: SmgrConfig): PartDefinition[] {
  return partDefinitions.filter((p) => config.parts[p.name] !== undefined);
}

export function partDefinition(name: PartName): PartDefinition {
  const p = partDefinitions.find((d) => d.name === name);
  if (!p) throw new Error(`unknown part ${name}`);
  return p;
}
