// Runs build tools with argument arrays (never a shell) and fails loudly with their output.
import { spawnSync } from 'node:child_process';

export function run(file, args, options = {}) {
  const result = spawnSync(file, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    input: options.input,
    encoding: options.encoding === 'buffer' ? 'buffer' : 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (result.error) throw new Error(`${file} could not be started: ${result.error.message}`);
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.toString().trim();
    throw new Error(`${file} ${args.join(' ')} exited with ${result.status ?? result.signal}:\n${output}`);
  }
  return result.stdout;
}
