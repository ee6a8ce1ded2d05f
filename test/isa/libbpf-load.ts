// Why an object cannot be loaded through libbpf (bpftool in a private mount namespace) here, if it cannot.
import { spawnSync } from 'node:child_process';

export function libbpfLoadUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root';
  if (spawnSync('bpftool', ['version']).status !== 0) return 'bpftool not installed';
  if (spawnSync('unshare', ['-m', 'true']).status !== 0) return 'cannot unshare a mount namespace';
  return undefined;
}
