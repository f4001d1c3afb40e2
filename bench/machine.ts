/** The machine a benchmark ran on, recorded beside its figures. */
import os from 'node:os';

export function describeMachine() {
	return {
		cpu: os.cpus()[0]?.model ?? 'unknown',
		cores: os.cpus().length,
		memoryGb: Math.round(os.totalmem() / 1e9),
		os: `${os.type()} ${os.release()} ${os.arch()}`,
		node: process.version
	};
}
