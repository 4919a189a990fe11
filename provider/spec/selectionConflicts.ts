// Conflicts only the observed world reveals: selectors are matched against real VMs by the planner, so two rules
// with different policies may select the same VM, or a rule may select a VM the spec stops protecting.
import { parseArmId, type Diagnostic, type ProtectionRule, type ResolvedSpec, type SourceLocation } from '../core/index.js';
import { pickKey } from './vmPick.js';

function keyOfId(vmId: string): string {
  const parts = parseArmId(vmId);
  return pickKey({ resourceGroup: parts.resourcegroups ?? '', name: parts.virtualmachines ?? vmId });
}

function at(location: SourceLocation | undefined): string {
  return location ? ` (${location.file}:${location.line}:${location.col})` : '';
}

/**
 * `selectedByRule` maps each rule's name to the ARM ids of the VMs it selected (explicit picks and selector matches).
 * Returns a PolicyConflict for every VM selected by rules with different policies, and a StopConflict for every
 * selected VM the spec also lists under stopProtection; each is placed on the later rule.
 */
export function checkSelectionConflicts(spec: ResolvedSpec, selectedByRule: ReadonlyMap<string, readonly string[]>): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const stopped = new Map(spec.stopProtection.map((s) => [pickKey({ resourceGroup: s.vm.resourceGroup ?? '', name: s.vm.name ?? '' }), s]));
  const firstRule = new Map<string, ProtectionRule>();
  for (const rule of spec.rules) {
    for (const vmId of new Set(selectedByRule.get(rule.name) ?? [])) {
      const key = keyOfId(vmId);
      const location = rule.source ? { location: rule.source } : {};
      const stop = stopped.get(key);
      if (stop) {
        diagnostics.push({
          severity: 'error',
          code: 'StopConflict',
          message: `rule "${rule.name}" selects VM ${vmId}, which stopProtection${at(stop.source)} stops`,
          ...location,
          remedy: 'exclude the VM from the rule (select.exclude.vms) or remove its stopProtection entry',
        });
      }
      const earlier = firstRule.get(key);
      if (!earlier) {
        firstRule.set(key, rule);
      } else if (earlier.policy.toLowerCase() !== rule.policy.toLowerCase()) {
        diagnostics.push({
          severity: 'error',
          code: 'PolicyConflict',
          message: `VM ${vmId} is selected by rule "${earlier.name}"${at(earlier.source)} with policy "${earlier.policy}" and by rule "${rule.name}" with policy "${rule.policy}"`,
          ...location,
          remedy: 'a VM has exactly one policy: exclude it from one of the rules (select.exclude)',
        });
      }
    }
  }
  return diagnostics;
}
