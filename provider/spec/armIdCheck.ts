// Checks the ARM id of a virtual machine as written in a spec, saying what is wrong with it.
import { namePattern } from './schema.js';

export interface VmIdParts {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

const VM_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachines\/([^/]+)$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RESOURCE_GROUP = namePattern('resourceGroupName');
const VM_NAME = namePattern('vmName');

export const VM_ID_SHAPE = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Compute/virtualMachines/{name}';

/** The parts of a VM's ARM id, or what is wrong with it. ARM ids are case-insensitive. */
export function parseVmId(id: string): { parts: VmIdParts } | { problem: string } {
  const match = VM_ID.exec(id);
  if (!match) {
    if (!/^\/subscriptions\//i.test(id)) return { problem: 'it does not start with /subscriptions/' };
    if (!/\/providers\/Microsoft\.Compute\/virtualMachines\//i.test(id)) return { problem: 'it is not the id of a virtual machine' };
    return { problem: 'it has missing, empty or extra segments' };
  }
  const [, subscriptionId, resourceGroup, name] = match;
  if (!UUID.test(subscriptionId)) return { problem: `its subscription "${subscriptionId}" is not a GUID` };
  if (!RESOURCE_GROUP.test(resourceGroup)) return { problem: `its resource group "${resourceGroup}" is not a valid name` };
  if (!VM_NAME.test(name)) return { problem: `its VM name "${name}" is not a valid name` };
  return { parts: { subscriptionId, resourceGroup, name } };
}
